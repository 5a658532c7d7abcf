/**
 * The parity contract (issue 17, Done-when 1): one protocol, two transports. The same job files run
 * through the folder transport (the BUILT fleet-agent with --offline DIR) and through the
 * coordinator (the app's real route handlers over HTTP, real SQLite, the same built agent with
 * --server), and each job must go through the same stages, send the same event types in the same
 * order, and end with the same outcome fields.
 *
 * The set: the Phase-0 example shell jobs from examples/, verify pass (in a worktree of a tiny
 * repo), verify fail, a timeout, the budget's wall limit, a retry that succeeds on its second
 * attempt, and a change outside allowed-scope. Both agents run with --isolation none so the retry
 * job can count its attempts in a file outside its checkout (the same on both sides).
 *
 * What is normalised, and why (nothing else is):
 *   - ids, lease ids, timestamps and durations are not compared: each side mints its own.
 *   - log chunks: the coordinator keeps them in the job's log, not in its event list, and how a
 *     run's output is cut into chunks depends on timing; the folder's `log` events are dropped from
 *     the event comparison and both logs are checked for the job's output instead.
 *   - event names: the agent sends the short forms (CONTRACT §2), the coordinator stores them typed
 *     (`stage` → run:started, `verify` → verify:passed/failed, `scope` → scope:reported); the folder's
 *     are mapped with that table. The coordinator's own events (lease:granted, decision:made…) have
 *     no folder counterpart; its stage changes are compared as the stage sequence.
 *   - the wall budget's outcome: online there are two enforcers, the agent's limit (from the engine's
 *     start: `budget_exceeded`) and the coordinator's own clock (from the lease grant: it pauses the
 *     job and cancels the run, which then reports `cancelled`); whichever fires first decides the
 *     attempt's outcome. The folder has only the agent's limit. Both must end `paused`, with the
 *     same stages; the online outcome may be either of the two.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentSandbox, BUNDLE, buildAgent, killAllAgents, REPO_ROOT, startAgent, type AgentHandle } from "../../agent/test/agent-process";
import { call, submitJob } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";
import { OFFLINE_EDGE_ROUTES } from "./routes";

let app: InProcessApp;
let s: ReturnType<typeof agentSandbox>;

beforeAll(async () => {
  buildAgent();
  app = await startInProcess({ FLEET_LEASE_TTL_MS: "30000", FLEET_HEARTBEAT_MS: "300", FLEET_SWEEP_MS: "200" }, OFFLINE_EDGE_ROUTES);
  s = agentSandbox();
}, 120_000);
afterAll(async () => {
  await killAllAgents();
  await app?.stop();
  s?.cleanup();
});

function gitRepo(dir: string): string {
  mkdirSync(path.join(dir, "src"), { recursive: true });
  writeFileSync(path.join(dir, "src", "a.ts"), "export const a = 1;\n");
  const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: dir });
  g("init", "-q", "-b", "main");
  g("add", "-A");
  g("commit", "-q", "-m", "init");
  return dir;
}

/** The job files, by stem; `side` is a directory of this transport's own (the retry's attempt counter). */
function manifests(repo: string, side: string): Record<string, string> {
  const ex = (name: string) => readFileSync(path.join(REPO_ROOT, "examples", name), "utf8");
  const file = (front: string, body: string) => `---\n${front.trim()}\n---\n# ${body.split("\n")[0]}\n\n${body}\n`;
  return {
    "hello-shell": ex("hello-shell.md"),
    "first-run-shell": ex("first-run-shell.md"),
    "verify-pass": file(`engine: shell\nrepo: ${repo}\nverify: "test -f src/b.ts"\nallowed-scope: ["src/**"]`, "verify pass\necho 'export const b = 2;' > src/b.ts"),
    "verify-fail": file(`engine: shell\nverify: "echo nope; exit 3"`, "verify fail\necho ran"),
    "engine-fails": file(`engine: shell\nverify: "true"`, "engine fails\necho failing >&2; exit 7"),
    timeout: file(`engine: shell\ntimeout: 1s`, "timeout\necho start; sleep 20"),
    // 5 s: long enough for the engine to start (building) on a busy machine before the wall ends.
    "wall-budget": file(`engine: shell\nbudget: { wall: 5s }`, "wall budget\necho start; sleep 30"),
    retry: file(
      `engine: shell\nverify: "true"\nretry: { max: 1, backoff: 1s, on: [agent_failed] }`,
      `retry\nn=$(cat ${side}/retry.count 2>/dev/null || echo 0); echo $((n + 1)) > ${side}/retry.count; echo "attempt $((n + 1))"; [ "$n" -ge 1 ]`,
    ),
    scope: file(`engine: shell\nrepo: ${repo}\nverify: "true"\nallowed-scope: ["src/**"]\nreview-policy: auto`, "scope violation\necho oops > README.md"),
  };
}

type Ev = { type: string; leaseId?: string; data?: Record<string, unknown> };
const TERMINAL = ["review", "testing", "shipped", "failed", "dead_letter", "paused"];
/** The agent's short forms as the coordinator stores them (server/coordinator/leases.ts). */
const STORED: Record<string, (e: Record<string, unknown>) => string | undefined> = {
  stage: () => "run:started",
  verify: (e) => (e.passed ? "verify:passed" : "verify:failed"),
  scope: () => "scope:reported",
  log: () => undefined,
};
/** What both sides must agree on about an attempt's end. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- both sides are JSON read loosely; the comparison is the check
const outcomeFields = (r: Record<string, any>) => ({
  outcome: r.outcome,
  exitCode: r.exitCode ?? null,
  verify: r.verify ? { passed: r.verify.passed, exitCode: r.verify.exitCode } : undefined,
  scope: r.scope ? { changed: r.scope.changed, outOfScope: r.scope.outOfScope } : undefined,
  commits: r.commits?.length ?? 0,
});

describe.skipIf(process.platform === "win32")("parity: the folder transport and the coordinator", () => {
  let folder: ChildProcess | undefined;
  afterAll(() => {
    folder?.kill("SIGKILL");
  });

  it("runs the same job files to the same stages, event types and outcomes", async () => {
    const repo = gitRepo(path.join(s.dir, "origin"));
    const flags = ["--engines", "shell:9", "--max", "9", "--isolation", "none"];
    // Online: submitted to the coordinator, claimed by a real agent over HTTP.
    const onlineSide = path.join(s.dir, "online-side");
    mkdirSync(onlineSide);
    const agent: AgentHandle = startAgent({ server: app.url, token: app.enrollmentToken, name: "parity-online", sandbox: s, args: flags });
    const online: Record<string, string> = {};
    for (const [stem, text] of Object.entries(manifests(repo, onlineSide))) online[stem] = (await submitJob(app.url, app.adminToken, text)).id;
    const jobOf = async (id: string) => (await call(`${app.url}/api/fleet/jobs/${id}`, { token: app.adminToken })).body;
    const eventsOf = async (id: string): Promise<Ev[]> => (await call(`${app.url}/api/fleet/jobs/${id}/events?limit=500`, { token: app.adminToken })).body.items;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a result file read as JSON
    const finished = (stem: string): { dir: string; result: Record<string, any> } | undefined => {
      for (const st of ["review", "testing", "shipped", "failed"]) {
        const f = path.join(dir, st, `${stem}.result.json`);
        if (existsSync(f)) return { dir: st, result: JSON.parse(readFileSync(f, "utf8")) };
      }
      return undefined;
    };
    // One side after the other: the machine running both at once is slow enough to blur the stages.
    const end = Date.now() + 90_000;
    for (const [stem, id] of Object.entries(online)) {
      for (;;) {
        const j = await jobOf(id);
        if (!j.lease && TERMINAL.includes(j.stage)) break;
        if (Date.now() > end) throw new Error(`${stem}: online ${j.stage}\n${agent.stderr()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await agent.stop();

    // Offline: the same files dropped into a folder queue, run by the same built agent with --offline.
    const folderSide = path.join(s.dir, "folder-side");
    mkdirSync(folderSide);
    const dir = path.join(s.dir, "queue");
    mkdirSync(path.join(dir, "inbox"), { recursive: true });
    for (const [stem, text] of Object.entries(manifests(repo, folderSide))) writeFileSync(path.join(dir, "inbox", `${stem}.md`), text);
    folder = spawn(process.execPath, [BUNDLE, "--offline", dir, "--name", "parity-folder", ...flags, "--workdir", path.join(s.dir, "folder-work")], {
      env: { ...process.env, FLEET_AGENT_OFFLINE_POLL_MS: "100", FLEET_AGENT_KILL_GRACE_MS: "300", FLEET_AGENT_CONFIG_DIR: path.join(s.dir, "folder-config") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let folderErr = "";
    folder.stderr!.on("data", (d) => (folderErr += d));
    folder.stdout!.on("data", () => {});

    for (const stem of Object.keys(online)) {
      while (!finished(stem)) {
        if (Date.now() > end + 60_000) throw new Error(`${stem}: not finished in the folder\n${folderErr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    folder.kill("SIGTERM");

    const seen: Record<string, string> = {};
    for (const [stem, id] of Object.entries(online)) {
      const job = await jobOf(id);
      const events = await eventsOf(id);
      const { dir: landed, result } = finished(stem)!;
      const last = job.runs.at(-1);

      // The same stages, all attempts: queued → assigned → building → … (a retry goes round again).
      const onlineStages = [String(events.find((e) => e.type === "job:submitted")?.data?.stage), ...events.filter((e) => e.type === "stage:changed").map((e) => String(e.data?.to))];
      expect(result.history, stem).toEqual(onlineStages);
      expect(result.stages.at(-1), stem).toBe(job.stage);
      // The folder has no paused/ or dead_letter/ (CONTRACT §3): those land in failed/.
      expect(landed, stem).toBe(["paused", "dead_letter"].includes(job.stage) ? "failed" : job.stage);

      // The same agent event types in the same order (the last attempt: what the folder keeps).
      const onlineTypes = events.filter((e) => e.leaseId === last.leaseId && ["run:started", "verify:passed", "verify:failed", "scope:reported"].includes(e.type)).map((e) => e.type);
      const folderTypes = (result.attempt.events as Record<string, unknown>[]).map((e) => STORED[String(e.type)]!(e)).filter(Boolean);
      expect(folderTypes, stem).toEqual(onlineTypes);

      // The same outcome fields, and as many attempts.
      const onlineOutcome = outcomeFields(last);
      if (stem === "wall-budget" && onlineOutcome.outcome === "cancelled" && events.some((e) => e.type === "budget:exceeded")) onlineOutcome.outcome = "budget_exceeded";
      expect(outcomeFields(result), stem).toEqual(onlineOutcome);
      expect(result.attempts, stem).toBe(job.runs.length);
      seen[stem] = `${job.stage} after ${job.runs.length} attempt(s), ${result.outcome}`;
    }
    // The set covers what it claims to (a test that compared nothing would pass too).
    expect(seen).toEqual({
      "hello-shell": "shipped after 1 attempt(s), succeeded",
      "first-run-shell": "testing after 1 attempt(s), succeeded",
      "verify-pass": "testing after 1 attempt(s), succeeded",
      "verify-fail": "failed after 1 attempt(s), succeeded",
      "engine-fails": "dead_letter after 1 attempt(s), failed",
      timeout: "dead_letter after 1 attempt(s), timeout",
      "wall-budget": "paused after 1 attempt(s), budget_exceeded",
      retry: "testing after 2 attempt(s), succeeded",
      scope: "testing after 1 attempt(s), succeeded",
    });
    // Both logs hold the output of both attempts of the retried job.
    const onlineLog = String((await call(`${app.url}/api/fleet/jobs/${online.retry}/logs`, { token: app.adminToken })).body);
    const folderLog = readFileSync(path.join(dir, "testing", "retry.log"), "utf8");
    for (const log of [onlineLog, folderLog]) expect(log).toMatch(/attempt 1[\s\S]*attempt 2/);
    expect(readFileSync(path.join(folderSide, "retry.count"), "utf8").trim()).toBe("2");
    expect(readFileSync(path.join(onlineSide, "retry.count"), "utf8").trim()).toBe("2");
  }, 150_000);
});
