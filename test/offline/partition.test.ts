/**
 * Issue 17 §1 partition test, with real processes: the built agent (a child process) talks to the
 * app's real route handlers (real SQLite, real sweeper) through a TCP link the test cuts.
 *
 *   - cut long enough for the sweeper to reap the lease: the job still finishes, and its result is
 *     recorded as a late result of that attempt, without resurrecting the job;
 *   (cut mid-job and back within the lease: partition-cut.test.ts, with a lease that outlives the cut;
 *   kill -9 between writing the outbox and sending: crash.test.ts, with a lease long enough to outlive the restart)
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { startAgent } from "../../agent/test/agent-process";
import { call } from "../harness/factory";
import { offlineKit } from "./kit";
import { until } from "./until";

// Short, so the sweeper reaps the lease while the link is down.
const kit = offlineKit(2_500);

describe.skipIf(process.platform === "win32")("the agent's outbox across partitions", () => {
  it("cut past the lease's TTL: the job finishes anyway and its result is a late result of the reaped attempt", async () => {
    const link = await kit.link();
    const s = kit.sandbox();
    const job = await kit.submit("echo started\nsleep 5\necho finished", "retry: { max: 0 }\n");
    const agent = startAgent({ server: link.url, token: kit.app().enrollmentToken, name: "part-2", sandbox: s, args: ["--engines", "shell"] });
    const building = await until("building", () => kit.jobOf(job.id), (j) => j.stage === "building", agent);
    const leaseId: string = building.lease?.id ?? building.runs[0]?.leaseId ?? "";
    link.cut();
    await until("reaped", () => kit.eventsOf(job.id), (ev) => ev.some((e) => e.type === "lease:expired"), agent);
    await until("finished cut off", () => agent.stderr(), (t) => /completion failed: .*; it waits in the outbox/.test(t), agent);
    // The reaper queued the job again; cancel it (straight to the app, not through the link) so this
    // agent does not claim it once the link is back. A --once agent would instead race the test: its
    // last replay before exit can run while the link is still cut, leaving the report for its next start.
    await call(`${kit.app().url}/api/fleet/jobs/${job.id}/actions`, { token: kit.app().adminToken, json: { action: "cancel" } });
    const reaped = await kit.jobOf(job.id);
    expect(kit.outboxFiles(s, "part-2").length, agent.stderr() + JSON.stringify(readdirSync(s.configDir))).toBeGreaterThan(0);
    link.restore();
    await until("late result", () => kit.eventsOf(job.id), (ev) => ev.some((e) => e.type === "run:late_result"), agent);
    const ev = await kit.eventsOf(job.id);
    const late = ev.filter((e) => e.type === "run:late_result");
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ leaseId, data: { epoch: 1, outcome: "succeeded", exitCode: 0 } });
    expect(ev.filter((e) => e.type === "run:completed" && e.leaseId === leaseId)).toHaveLength(0);
    const after = await kit.jobOf(job.id);
    expect(after.stage).toBe(reaped.stage); // not resurrected
    expect(after.stage).not.toBe("review");
    await until("outbox drained", () => kit.outboxFiles(s, "part-2"), (f) => f.length === 0, agent);
  }, 90_000);
});
