/**
 * The warm-checkout and cost-fit terms end to end: a real fleet-agent (the built bundle) started with
 * `--cost-per-hour 1` runs a job on a repository, which leaves that repository cached on the
 * factory; its heartbeats report the cache as a warm repo and its price; the next job on the same
 * repository is claimed with both terms non-zero in its recorded decision. A second, pricier factory
 * (drained, so it takes nothing) sets the fleet's most expensive price the cost term compares with.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentSandbox, buildAgent, killAllAgents, startAgent } from "../../agent/test/agent-process";
import { startApp, type StartedApp } from "../harness/app";
import { call, submitJob } from "../harness/factory";

let app: StartedApp;
let api: string;
const sandbox = agentSandbox();

beforeAll(async () => {
  buildAgent();
  app = await startApp({ env: { FLEET_HEARTBEAT_MS: "300" } });
  api = `${app.url}/api/fleet`;
}, 120_000);
afterAll(async () => {
  await killAllAgents();
  await app?.stop();
  sandbox.cleanup();
});

const get = (p: string) => call(`${api}${p}`, { token: app.adminToken });

async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, what: string, tries = 300): Promise<T> {
  let v = await read();
  for (let i = 0; i < tries && !check(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  if (!check(v)) throw new Error(`${what}: last seen ${JSON.stringify(v)}`);
  return v;
}

function gitRepo(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "README.md"), "web\n");
  const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: dir });
  g("init", "-q", "-b", "main");
  g("add", "-A");
  g("commit", "-q", "-m", "init");
  return dir;
}

interface Term {
  name: string;
  value: number;
  weight: number;
}

async function decisionTerms(jobId: string): Promise<{ factoryId: string; terms: Term[] }> {
  const events = (await get(`/jobs/${jobId}/events`)).body.items as { type: string; data: { factoryId: string; terms: Term[] } }[];
  const made = events.find((e) => e.type === "decision:made");
  if (!made) throw new Error(`job ${jobId} has no decision:made`);
  return made.data;
}

const termOf = (terms: Term[], name: string) => terms.find((t) => t.name === name)!;

describe.skipIf(process.platform === "win32")("warm checkouts and cost per hour reach the scheduler", () => {
  it("a real agent's repo cache and --cost-per-hour make warm-checkout and cost-fit non-zero in its next claim", async () => {
    // The pricier factory: registered with its price, drained so it neither claims nor attracts deferrals.
    const pricey = await call(`${api}/factories`, {
      token: app.enrollmentToken,
      json: { name: "pricey", os: "linux", arch: "x64", capabilities: ["os:linux"], stations: [{ engine: "shell", slots: 1 }], version: "0.0.0-test", costPerHour: 4 },
    });
    expect(pricey.status, JSON.stringify(pricey.body)).toBe(201);
    expect((await call(`${api}/factories/${pricey.body.factoryId}/drain`, { token: app.adminToken, method: "POST" })).status).toBe(200);

    const repo = gitRepo(path.join(sandbox.dir, "origin", "web"));
    startAgent({ server: app.url, token: app.enrollmentToken, name: "warm-a", sandbox, args: ["--cost-per-hour", "1"] });
    const job = (title: string) => `---\nengine: shell\npriority: low\nrepo: ${JSON.stringify(repo)}\n---\n# ${title}\n\necho ok\n`;

    const first = await submitJob(app.url, app.adminToken, job("first on web"));
    await until(() => get(`/jobs/${first.id}`).then((r) => r.body.stage), (s) => s === "review", "first job reaches review");

    // The clone the first job made is reported on a heartbeat, with the price.
    const agent = await until(
      () => get("/factories").then((r) => (r.body.items as { name: string; warm: string[]; costPerHour: number; id: string }[]).find((f) => f.name === "warm-a")),
      (f) => f !== undefined && f.warm.includes("repo:web"),
      "the agent reports repo:web as warm",
    );
    expect(agent!.costPerHour).toBe(1);

    const second = await submitJob(app.url, app.adminToken, job("second on web"));
    await until(() => get(`/jobs/${second.id}`).then((r) => r.body.stage), (s) => s !== "queued", "second job is claimed");

    const before = await decisionTerms(first.id);
    const after = await decisionTerms(second.id);
    expect(after.factoryId).toBe(agent!.id);
    // Nothing was cached when the first job was placed; the second finds its repository warm.
    expect(termOf(before.terms, "warm-checkout").value).toBe(0);
    expect(termOf(after.terms, "warm-checkout").value).toBe(1);
    // A low-priority job is fully cost-sensitive: 1 − 1 USD/h ÷ 4 USD/h (the fleet's most expensive).
    expect(termOf(before.terms, "cost-fit").value).toBeCloseTo(0.75, 10);
    expect(termOf(after.terms, "cost-fit").value).toBeCloseTo(0.75, 10);
    expect(termOf(after.terms, "cost-fit").weight).toBeGreaterThan(0);
  }, 90_000);
});
