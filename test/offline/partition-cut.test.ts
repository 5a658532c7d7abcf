/**
 * Issue 17 §1 partition test, with real processes: the built agent (a child process) talks to the
 * app's real route handlers through a TCP link the test cuts mid-job. The job finishes while cut
 * off, its completion goes to the outbox, the link comes back: the completion arrives exactly once
 * and the job moves once.
 *
 * The lease here (20 s) outlives the cut by far, and the cut ends once the job's last output line
 * has tried to leave (the link saw it in a refused events request), not after a fixed sleep: on a
 * loaded machine a fixed sleep may end before the job does, and a short lease may be reaped before
 * the agent's next try, which is partition.test.ts's case, not this one.
 * (Cut past the lease's TTL: partition.test.ts; kill -9 between writing the outbox and sending: crash.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { startAgent } from "../../agent/test/agent-process";
import { offlineKit } from "./kit";
import { until } from "./until";

const kit = offlineKit(20_000);

describe.skipIf(process.platform === "win32")("the agent's outbox across a short partition", () => {
  it("cut mid-job, finished while cut off, link back: the completion arrives exactly once", async () => {
    const link = await kit.link();
    const s = kit.sandbox();
    const job = await kit.submit("echo started\nsleep 1\necho \"done-$((6 * 7))\"");
    const agent = startAgent({ server: link.url, token: kit.app().enrollmentToken, name: "part-1", sandbox: s, args: ["--engines", "shell"] });
    await until("building", () => kit.jobOf(job.id), (j) => j.stage === "building", agent);
    link.cut();
    // The engine has exited: its last line (computed, so the job's text cannot match) is in an events batch the link refused.
    await until("finished while cut off", () => link.refused, (r) => r.some((req) => req.startsWith("POST /api/fleet/leases/") && req.includes("done-42")), agent);
    link.restore();
    const done = await until("review", () => kit.jobOf(job.id), (j) => j.stage === "review", agent);
    expect(done.runs, agent.stderr()).toHaveLength(1);
    await until("outbox drained", () => kit.outboxFiles(s, "part-1"), (f) => f.length === 0, agent);
    const ev = await kit.eventsOf(job.id);
    expect(ev.filter((e) => e.type === "run:completed")).toHaveLength(1);
    expect(ev.filter((e) => e.type === "run:late_result")).toHaveLength(0);
  }, 90_000);
});
