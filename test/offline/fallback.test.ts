/**
 * Issue 17 §2, with real processes: `fleet-agent --server URL --fallback DIR --fallback-after 1s`
 * (the built bundle) against the app's real route handlers through a TCP link the test cuts. While
 * the link is down the factory runs DIR/inbox work, the lease it held when the link went down is
 * finished and reported once (never claimed twice), and when the link is back it claims again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { agentSandbox, buildAgent, killAllAgents, startAgent, type AgentHandle } from "../../agent/test/agent-process";
import { call, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { startLink, type Link } from "./link";
import { OFFLINE_EDGE_ROUTES } from "./routes";

let app: InProcessApp;
let link: Link;
let s: ReturnType<typeof agentSandbox>;

beforeAll(async () => {
  buildAgent();
  app = await startInProcess({ FLEET_LEASE_TTL_MS: "8000", FLEET_HEARTBEAT_MS: "300", FLEET_SWEEP_MS: "200" }, OFFLINE_EDGE_ROUTES);
  s = agentSandbox();
}, 120_000);
afterEach(async () => {
  await killAllAgents();
  await link?.close();
});
afterAll(async () => {
  await app?.stop();
  s?.cleanup();
});

const jobOf = async (id: string) => (await call(`${app.url}/api/fleet/jobs/${id}`, { token: app.adminToken })).body;
const eventsOf = async (id: string): Promise<{ type: string }[]> => (await call(`${app.url}/api/fleet/jobs/${id}/events`, { token: app.adminToken })).body.items;

async function until<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, agent: AgentHandle, ms = 25_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`${what}: ${JSON.stringify(v)}\n${agent.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(process.platform === "win32")("--fallback DIR", () => {
  it("runs inbox work while the coordinator is unreachable, finishes the lease it held, and claims again once it answers", async () => {
    link = await startLink(app.url);
    const dir = path.join(s.dir, "queue");
    const agent = startAgent({
      server: link.url,
      token: app.enrollmentToken,
      name: "fb-1",
      sandbox: s,
      args: ["--engines", "shell:2", "--max", "2", "--fallback", dir, "--fallback-after", "1s"],
      env: { FLEET_AGENT_OFFLINE_POLL_MS: "200" },
    });
    const held = await submitJob(app.url, app.adminToken, `---\nengine: shell\n---\n# held\n\necho held-start\nsleep 3\necho held-done\n`);
    await until("building", () => jobOf(held.id), (j) => j.stage === "building", agent);
    link.cut();
    mkdirSync(path.join(dir, "inbox"), { recursive: true });
    writeFileSync(path.join(dir, "inbox", "offline-1.md"), `---\nengine: shell\nverify: "true"\n---\n# offline work\n\necho offline work\n`);
    await until("the folder job ran", () => existsSync(path.join(dir, "testing", "offline-1.md")), (v) => v, agent);
    const result = JSON.parse(readFileSync(path.join(dir, "testing", "offline-1.result.json"), "utf8"));
    expect(result).toMatchObject({ outcome: "succeeded", exitCode: 0, stage: "testing", stages: ["review", "testing"] });
    expect(agent.stderr()).toMatch(/unreachable for \d+ s: taking work from .*inbox/);

    link.restore();
    const done = await until("the held lease is reported", () => jobOf(held.id), (j) => j.stage === "review", agent);
    expect(done.runs).toHaveLength(1); // never claimed twice
    expect((await eventsOf(held.id)).filter((e) => e.type === "run:completed")).toHaveLength(1);
    await until("back online", () => agent.stderr(), (t) => /answers again/.test(t), agent);

    const next = await submitJob(app.url, app.adminToken, `---\nengine: shell\n---\n# after\n\necho online again\n`);
    await until("claimed from the coordinator again", () => jobOf(next.id), (j) => j.stage === "review", agent);
    // The folder took nothing more after the switch back.
    writeFileSync(path.join(dir, "inbox", "offline-2.md"), `---\nengine: shell\n---\n# later\n\necho later\n`);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(existsSync(path.join(dir, "inbox", "offline-2.md"))).toBe(true);
  }, 90_000);
});
