/**
 * Issue 17 §1 partition tests, with real processes: the built agent (a child process) talks to the
 * app's real route handlers (real SQLite, real sweeper) through a TCP link the test cuts.
 *
 *   - cut mid-job, the job finishes while cut off, the link comes back: the completion arrives once
 *     (live or from the outbox), and the job moves once;
 *   - cut long enough for the sweeper to reap the lease: the job still finishes, and its result is
 *     recorded as a late result of that attempt, without resurrecting the job;
 *   (kill -9 between writing the outbox and sending: crash.test.ts, with a lease long enough to outlive the restart)
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentSandbox, buildAgent, killAllAgents, startAgent, type AgentHandle } from "../../agent/test/agent-process";
import { call, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { startLink, type Link } from "./link";
import { OFFLINE_EDGE_ROUTES } from "./routes";

const TTL_MS = 2_500;
let app: InProcessApp;
let link: Link;
const sandboxes: ReturnType<typeof agentSandbox>[] = [];

beforeAll(async () => {
  buildAgent();
  app = await startInProcess({ FLEET_LEASE_TTL_MS: String(TTL_MS), FLEET_HEARTBEAT_MS: "300", FLEET_SWEEP_MS: "150" }, OFFLINE_EDGE_ROUTES);
}, 120_000);
const submitted: string[] = [];
afterEach(async () => {
  await killAllAgents();
  await link?.close();
  // Each test's job ends with it, so the next test's agent claims its own.
  for (const id of submitted.splice(0)) await call(`${app.url}/api/fleet/jobs/${id}/actions`, { token: app.adminToken, json: { action: "cancel" } });
});
afterAll(async () => {
  await app?.stop();
  for (const s of sandboxes) s.cleanup();
});

function sandbox() {
  const s = agentSandbox();
  sandboxes.push(s);
  return s;
}

type Ev = { type: string; leaseId?: string; data: Record<string, unknown> };
const eventsOf = async (id: string): Promise<Ev[]> => (await call(`${app.url}/api/fleet/jobs/${id}/events`, { token: app.adminToken })).body.items;
const jobOf = async (id: string) => (await call(`${app.url}/api/fleet/jobs/${id}`, { token: app.adminToken })).body;

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, agent?: AgentHandle, ms = 25_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: ${JSON.stringify(v)}\n${agent?.stderr() ?? ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const script = (body: string, extra = "") => `---\nengine: shell\n${extra}---\n# partition\n\n${body}\n`;
async function submit(text: string) {
  const job = await submitJob(app.url, app.adminToken, text);
  submitted.push(job.id);
  return job;
}
const outboxFiles = (s: ReturnType<typeof agentSandbox>, name: string) => {
  try {
    return readdirSync(path.join(s.configDir, `${name}.outbox`)).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
};

describe.skipIf(process.platform === "win32")("the agent's outbox across partitions", () => {
  it("cut mid-job, finished while cut off, link back: the completion arrives exactly once", async () => {
    link = await startLink(app.url);
    const s = sandbox();
    const job = await submit(script("echo started\nsleep 1\necho finished"));
    const agent = startAgent({ server: link.url, token: app.enrollmentToken, name: "part-1", sandbox: s, args: ["--engines", "shell"] });
    await until("building", () => jobOf(job.id), (j) => j.stage === "building", agent);
    link.cut();
    // The job (1 s) finishes while the link is down; the link is back well within the lease's TTL.
    await new Promise((r) => setTimeout(r, 1_600));
    link.restore();
    const done = await until("review", () => jobOf(job.id), (j) => j.stage === "review", agent);
    expect(done.runs).toHaveLength(1);
    await until("outbox drained", () => outboxFiles(s, "part-1"), (f) => f.length === 0, agent);
    const ev = await eventsOf(job.id);
    expect(ev.filter((e) => e.type === "run:completed")).toHaveLength(1);
    expect(ev.filter((e) => e.type === "run:late_result")).toHaveLength(0);
  }, 90_000);

  it("cut past the lease's TTL: the job finishes anyway and its result is a late result of the reaped attempt", async () => {
    link = await startLink(app.url);
    const s = sandbox();
    const job = await submit(script("echo started\nsleep 5\necho finished", "retry: { max: 0 }\n"));
    const agent = startAgent({ server: link.url, token: app.enrollmentToken, name: "part-2", sandbox: s, args: ["--engines", "shell", "--once"] });
    const building = await until("building", () => jobOf(job.id), (j) => j.stage === "building", agent);
    const leaseId: string = building.lease?.id ?? building.runs[0].leaseId;
    link.cut();
    await until("reaped", () => eventsOf(job.id), (ev) => ev.some((e) => e.type === "lease:expired"), agent);
    await until("finished cut off", () => agent.stderr(), (t) => /completion failed: .*; it waits in the outbox/.test(t), agent);
    const reaped = await jobOf(job.id);
    expect(outboxFiles(s, "part-2").length, agent.stderr() + JSON.stringify(readdirSync(s.configDir))).toBeGreaterThan(0);
    link.restore();
    await until("late result", () => eventsOf(job.id), (ev) => ev.some((e) => e.type === "run:late_result"), agent);
    expect(await agent.exited).toBe(0);
    const ev = await eventsOf(job.id);
    const late = ev.filter((e) => e.type === "run:late_result");
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ leaseId, data: { epoch: 1, outcome: "succeeded", exitCode: 0 } });
    expect(ev.filter((e) => e.type === "run:completed" && e.leaseId === leaseId)).toHaveLength(0);
    const after = await jobOf(job.id);
    expect(after.stage).toBe(reaped.stage); // not resurrected
    expect(after.stage).not.toBe("review");
    expect(outboxFiles(s, "part-2")).toEqual([]);
  }, 90_000);
});
