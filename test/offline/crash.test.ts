/**
 * Issue 17 §1: kill -9 right after the completion was written to the outbox, before it was sent (a
 * test hook makes the agent SIGKILL itself there): the restarted agent delivers it, once. The built
 * agent (a child process) against the app's real route handlers; the lease outlives the restart, so
 * the completion is an ordinary one (partition.test.ts covers the reaped case).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentSandbox, buildAgent, killAllAgents, startAgent } from "../../agent/test/agent-process";
import { call, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { OFFLINE_EDGE_ROUTES } from "./routes";
import { until } from "./until";

let app: InProcessApp;
let s: ReturnType<typeof agentSandbox>;
beforeAll(async () => {
  buildAgent();
  app = await startInProcess({ FLEET_LEASE_TTL_MS: "60000", FLEET_HEARTBEAT_MS: "300", FLEET_SWEEP_MS: "200" }, OFFLINE_EDGE_ROUTES);
  s = agentSandbox();
}, 120_000);
afterEach(async () => {
  await killAllAgents();
});
afterAll(async () => {
  await app?.stop();
  s?.cleanup();
});

const eventsOf = async (id: string): Promise<{ type: string }[]> => (await call(`${app.url}/api/fleet/jobs/${id}/events`, { token: app.adminToken })).body.items;
const jobOf = async (id: string) => (await call(`${app.url}/api/fleet/jobs/${id}`, { token: app.adminToken })).body;
const outboxFiles = (sb: ReturnType<typeof agentSandbox>, name: string) => {
  try {
    return readdirSync(path.join(sb.configDir, `${name}.outbox`)).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
};
const submit = (text: string) => submitJob(app.url, app.adminToken, text);
const script = (body: string) => `---\nengine: shell\n---\n# crash\n\n${body}\n`;

describe.skipIf(process.platform === "win32")("the agent's outbox across a kill -9", () => {
  it("kill -9 after the completion was written to the outbox, before it was sent: the restarted agent reports it once", async () => {
    const job = await submit(script("echo crash-test"));
    const first = startAgent({ server: app.url, token: app.enrollmentToken, name: "part-3", sandbox: s, args: ["--engines", "shell"], env: { FLEET_AGENT_TEST_CRASH_AFTER_OUTBOX: "complete" } });
    await first.exited;
    expect(first.proc.signalCode).toBe("SIGKILL");
    expect(outboxFiles(s, "part-3").length).toBeGreaterThan(0);
    expect((await jobOf(job.id)).stage).toBe("building"); // nothing reached the coordinator
    const second = startAgent({ server: app.url, name: "part-3", sandbox: s, args: ["--engines", "shell"] });
    const done = await until("review", () => jobOf(job.id), (j) => j.stage === "review", second);
    expect(done.runs).toHaveLength(1);
    expect((await eventsOf(job.id)).filter((e) => e.type === "run:completed")).toHaveLength(1);
    expect(second.stderr()).toMatch(/outbox: delivered the completion of lease/);
    await until("outbox drained", () => outboxFiles(s, "part-3"), (f) => f.length === 0, second);
  }, 90_000);
});
