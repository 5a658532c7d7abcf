/**
 * Protected paths (issue 18 §4) end to end with a real agent (the built bundle, a child process)
 * against the app's real route handlers in this process (test/harness/in-process.ts) over real HTTP,
 * a real SQLite store and real git: the agent runs a shell job in a worktree of a local origin, its
 * own scope report says what changed, and the coordinator's gate decides. An auto job that edits
 * `infra/` stops in review naming the file and the glob, and lands on the origin only after a
 * person approves; an auto job that edits only `src/` lands by itself, as before.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as heartbeatRoute from "@/app/api/fleet/factories/[id]/heartbeat/route";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as actionsRoute from "@/app/api/fleet/jobs/[id]/actions/route";
import * as jobEventsRoute from "@/app/api/fleet/jobs/[id]/events/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as eventsRoute from "@/app/api/fleet/leases/[id]/events/route";
import * as renewRoute from "@/app/api/fleet/leases/[id]/renew/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import * as protectedRoute from "@/app/api/fleet/protected-paths/route";
import * as tokensRoute from "@/app/api/fleet/tokens/route";
import { agentSandbox, buildAgent, killAllAgents, startAgent, type AgentHandle } from "../../agent/test/agent-process";
import { call, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

let app: InProcessApp;
const sandboxes: ReturnType<typeof agentSandbox>[] = [];
const api = (p: string) => `${app.url}/api/fleet${p}`;
const admin = (p: string, opts: Parameters<typeof call>[1] = {}) => call(api(p), { token: app.adminToken, ...opts });

beforeAll(async () => {
  buildAgent();
  app = await startInProcess({ FLEET_HEARTBEAT_MS: "500" }, [
    factoriesRoute, heartbeatRoute, claimRoute, renewRoute, eventsRoute, completeRoute,
    jobsRoute, jobRoute, actionsRoute, jobEventsRoute, protectedRoute, tokensRoute,
  ]);
}, 120_000);
afterEach(async () => {
  await killAllAgents();
});
afterAll(async () => {
  await app?.stop();
  for (const s of sandboxes) s.cleanup();
});

function origin(dir: string) {
  mkdirSync(path.join(dir, "src"), { recursive: true });
  mkdirSync(path.join(dir, "infra"), { recursive: true });
  writeFileSync(path.join(dir, "src", "a.txt"), "a\n");
  writeFileSync(path.join(dir, "infra", "main.tf"), "# infra\n");
  const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: dir, encoding: "utf8" }).trim();
  g("init", "-q", "-b", "main");
  g("add", "-A");
  g("commit", "-q", "-m", "init");
  // The agent pushes to this origin: a non-bare repository refuses a push to its checked-out branch.
  g("config", "receive.denyCurrentBranch", "updateInstead");
  return { dir, show: (f: string) => g("show", `main:${f}`) };
}

type View = { stage: string; protectedPaths?: { file: string; glob: string }[]; runs?: { endedAt?: string }[] };
async function settled(id: string, agent: AgentHandle, stages: string[]): Promise<View> {
  const end = Date.now() + 60_000;
  for (;;) {
    const v = (await admin(`/jobs/${id}`)).body as View;
    if (stages.includes(v.stage)) return v;
    if (Date.now() > end) throw new Error(`job ${id} stayed ${v.stage}: ${JSON.stringify(v)}\n${agent.stderr()}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const job = (repo: string, script: string) => `---\nengine: shell\nrepo: file://${repo}\ndelivery: branch\nbase-branch: main\nreview-policy: auto\nverify: "exit 0"\n---\n# ${script.split("\n")[0]}\n\n${script}\n`;

describe.skipIf(process.platform === "win32")("protected paths with a real agent", () => {
  it("an auto job editing infra/ stops in review naming it and ships only on a person's approval; a src/ edit ships by itself", async () => {
    const s = agentSandbox();
    sandboxes.push(s);
    const o = origin(path.join(s.dir, "origin"));
    expect((await admin("/protected-paths", { method: "PUT", json: { globs: ["packages/shared/**", "infra/**"] } })).status).toBe(200);
    const agent = startAgent({ server: app.url, token: app.enrollmentToken, name: "pp-agent", sandbox: s, args: ["--engines", "shell"] });

    const guarded = await submitJob(app.url, app.adminToken, job(o.dir, "echo 'bucket {}' >> infra/main.tf\necho b > src/b.txt"));
    const waiting = await settled(guarded.id, agent, ["review", "testing", "shipped", "failed"]);
    expect(waiting.stage, agent.stderr()).toBe("review");
    expect(waiting.protectedPaths).toEqual([{ file: "infra/main.tf", glob: "infra/**" }]);
    const events = (await admin(`/jobs/${guarded.id}/events`)).body.items as { type: string; data: Record<string, unknown> }[];
    expect(events.find((e) => e.type === "gate:protected")?.data.files).toEqual(waiting.protectedPaths);
    // Nothing automatic lands it: the origin's main still has the old file.
    expect(o.show("infra/main.tf")).toBe("# infra");

    const operator = (await admin("/tokens", { json: { name: "reviewer", role: "operator" } })).body.token as string;
    const approved = await call(api(`/jobs/${guarded.id}/actions`), { token: operator, json: { action: "approve" } });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect((await settled(guarded.id, agent, ["shipped", "failed", "dead_letter"])).stage, agent.stderr()).toBe("shipped");
    expect(o.show("infra/main.tf")).toContain("bucket {}");

    const plain = await submitJob(app.url, app.adminToken, job(o.dir, "echo c > src/c.txt"));
    const shipped = await settled(plain.id, agent, ["shipped", "review", "failed"]);
    expect(shipped.stage, agent.stderr()).toBe("shipped");
    expect(shipped.protectedPaths).toBeUndefined();
    expect(o.show("src/c.txt")).toBe("c");
  }, 120_000);
});
