/**
 * Real agents (the built bundle, as child processes) against the real coordinator (the built Next
 * app, started by test/harness/app.ts over HTTP with a temp data dir and short lease/sweep times).
 * Needs a build: `npm run build` (or NEXT_DIST_DIR pointing at one).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../../test/harness/app";
import { AGENT_DIR, agentSandbox, buildAgent, killAllAgents, startAgent } from "./agent-process";

const SECRET = "ghp_" + "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8";
const TTL_MS = 3_000;
const SWEEP_MS = 250;

let app: StartedApp;
const sandboxes: ReturnType<typeof agentSandbox>[] = [];

beforeAll(async () => {
  buildAgent();
  app = await startApp({ env: { FLEET_LEASE_TTL_MS: String(TTL_MS), FLEET_SWEEP_MS: String(SWEEP_MS), FLEET_HEARTBEAT_MS: "500" } });
}, 120_000);
afterEach(async () => {
  await killAllAgents();
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

async function api<T = Record<string, unknown>>(method: string, p: string, body?: unknown, contentType = "application/json"): Promise<{ status: number; body: T }> {
  const r = await fetch(app.url + "/api/fleet" + p, {
    method,
    headers: { authorization: `Bearer ${app.adminToken}`, ...(body !== undefined ? { "content-type": contentType } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function submit(front: Record<string, unknown>, body: string): Promise<string> {
  const yaml = Object.entries(front)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join("\n");
  const r = await api<{ id: string }>("POST", "/jobs", `---\n${yaml}\n---\n# ${front["x-title"] ?? "job"}\n\n${body}\n`, "text/markdown");
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

/** What the live stream (SSE: events and stored log lines) carries for a job, read for `ms`. */
async function streamText(id: string, ms = 1_500): Promise<string> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  let text = "";
  try {
    const r = await fetch(`${app.url}/api/fleet/jobs/${id}/stream`, { headers: { authorization: `Bearer ${app.adminToken}` }, signal: ac.signal });
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
  } catch {
    // aborted after `ms`: what arrived is what the store had
  } finally {
    clearTimeout(t);
  }
  return text;
}

/** The log text of a stream's `run:log` events, in order. */
function logLines(sse: string): string {
  return [...sse.matchAll(/^event: run:log\ndata: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as { text: string }).text).join("");
}

async function job(id: string) {
  return (await api<{ stage: string } & Record<string, unknown>>("GET", `/jobs/${id}`)).body;
}

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stageIs = (id: string, ...stages: string[]) => until(async () => ((s) => stages.includes(s.stage) && s)(await job(id)));

function gitRepo(dir: string) {
  mkdirSync(path.join(dir, "src"), { recursive: true });
  writeFileSync(path.join(dir, "src", "a.txt"), "a\n");
  const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: dir });
  g("init", "-q", "-b", "main");
  g("add", "-A");
  g("commit", "-q", "-m", "init");
  return dir;
}

// win32: kill -9, SIGSTOP/SIGCONT and `sh` jobs are POSIX-only.
describe.skipIf(process.platform === "win32")("fleet-agent against the real coordinator", () => {
  it("a job goes queued → building → testing (verify passed) → shipped, and a planted secret never reaches the store", async () => {
    const s = sandbox();
    const agent = startAgent({ server: app.url, token: app.enrollmentToken, name: "int-1", sandbox: s });
    const id = await submit(
      { engine: "shell", cwd: s.dir, verify: "test -f out.txt" },
      `echo building\necho "token ${SECRET}"\necho done > out.txt`,
    );
    await stageIs(id, "testing");
    const events = await api("GET", `/jobs/${id}/events`);
    expect(JSON.stringify(events.body)).not.toContain(SECRET);
    const stored = await streamText(id);
    expect(stored).toContain("building"); // the log lines are there…
    expect(stored).toContain("[REDACTED"); // …with the secret replaced
    expect(stored).not.toContain(SECRET);
    expect((await api("POST", `/jobs/${id}/actions`, { action: "ship" })).status).toBeLessThan(300);
    await stageIs(id, "shipped");
    expect(agent.proc.exitCode).toBeNull();
  });

  it("two agents on one repo run two jobs in separate worktrees; an out-of-scope edit is reported", async () => {
    const s1 = sandbox();
    const s2 = sandbox();
    const repo = gitRepo(path.join(s1.dir, "origin"));
    startAgent({ server: app.url, token: app.enrollmentToken, name: "int-2a", sandbox: s1 });
    startAgent({ server: app.url, token: app.enrollmentToken, name: "int-2b", sandbox: s2 });
    const script = (n: number) => `pwd\necho ${n} > src/job${n}.txt\necho stray > stray${n}.txt\nsleep 1`;
    const a = await submit({ engine: "shell", repo, "allowed-scope": ["src/**"] }, script(1));
    const b = await submit({ engine: "shell", repo, "allowed-scope": ["src/**"] }, script(2));
    await stageIs(a, "review", "testing");
    await stageIs(b, "review", "testing");
    const ea = JSON.stringify((await api("GET", `/jobs/${a}/events`)).body);
    const eb = JSON.stringify((await api("GET", `/jobs/${b}/events`)).body);
    expect(ea).toContain("stray1.txt");
    expect(ea).toMatch(/outOfScope[^\]]*stray1\.txt/);
    expect(eb).toMatch(/outOfScope[^\]]*stray2\.txt/);
    const cwdA = /(\/[^"\\\s]*\/jobs\/[^"\\\s]+)/.exec(await streamText(a))?.[1];
    const cwdB = /(\/[^"\\\s]*\/jobs\/[^"\\\s]+)/.exec(await streamText(b))?.[1];
    expect(cwdA).toBeTruthy();
    expect(cwdA).not.toBe(cwdB);
    expect(readFileSync(path.join(repo, "src", "a.txt"), "utf8")).toBe("a\n"); // the origin is untouched
  });

  it("kill -9 mid-job: the job is reclaimed and completed by another agent within TTL + sweep", async () => {
    const s1 = sandbox();
    const s2 = sandbox();
    const victim = startAgent({ server: app.url, token: app.enrollmentToken, name: "int-3a", sandbox: s1 });
    const id = await submit({ engine: "shell", cwd: s1.dir, retry: { max: 2, backoff: "1s", on: ["lease_lost", "agent_failed"] } }, "echo started\nsleep 4\necho finished");
    await stageIs(id, "building");
    victim.proc.kill("SIGKILL");
    const killedAt = Date.now();
    startAgent({ server: app.url, token: app.enrollmentToken, name: "int-3b", sandbox: s2 });
    const grants = async () => JSON.stringify((await api("GET", `/jobs/${id}/events`)).body).split('"lease:granted"').length - 1;
    await until(async () => (await grants()) >= 2);
    const regrantMs = Date.now() - killedAt;
    await stageIs(id, "review", "testing");
    const reclaimMs = Date.now() - killedAt;
    process.stderr.write(`kill -9 → re-granted to another agent after ${regrantMs} ms, completed after ${reclaimMs} ms (TTL ${TTL_MS}, sweep ${SWEEP_MS}, job 4 s)\n`);
    // A correctness bound, not a speed target: reclaim must come from lease expiry (TTL + sweep, then
    // the 1 s retry backoff and the new agent's start), well before the 30 s offline window could be
    // what frees it. The generous slack keeps a busy CI machine from flaking; the figure is printed above.
    expect(regrantMs).toBeLessThan(TTL_MS + SWEEP_MS + 1_500 + 10_000);
    expect(reclaimMs).toBeLessThan(TTL_MS + SWEEP_MS + 1_500 + 4_000 + 15_000);
  });

  it("an agent SIGSTOPped past its TTL has its late writes refused and abandons the job on SIGCONT", async () => {
    const s1 = sandbox();
    const stopped = startAgent({ server: app.url, token: app.enrollmentToken, name: "int-4", sandbox: s1 });
    const id = await submit({ engine: "shell", cwd: s1.dir }, "echo one\nsleep 2\necho two");
    await stageIs(id, "building");
    process.kill(stopped.proc.pid!, "SIGSTOP");
    await new Promise((r) => setTimeout(r, TTL_MS + SWEEP_MS * 4 + 500));
    const during = await job(id);
    expect(during.stage).not.toBe("building"); // swept back to the queue (or on to its retry policy)
    process.kill(stopped.proc.pid!, "SIGCONT");
    await until(async () => /lease_lost|completion refused/.test(stopped.stderr()));
    expect(stopped.stderr()).not.toMatch(/job \S+: succeeded/);
  });

  it("a job sees an allowlisted environment: none of the agent's tokens or unknown variables, HOME in its own scratch", async () => {
    const s = sandbox();
    // the agent gets its token by environment (not argv) and a variable it has no reason to pass on
    const agent = startAgent({
      server: app.url,
      name: "int-env",
      sandbox: s,
      env: { FLEET_ENROLLMENT_TOKEN: app.enrollmentToken, FLEET_ADMIN_TOKEN: app.adminToken, AGENT_ONLY_SETTING: "x" },
    });
    // names only: a value could be hidden by redaction, a name cannot
    const id = await submit({ engine: "shell", cwd: s.dir }, `env | cut -d= -f1 | sort | sed 's/^/name:/'\necho "home:$HOME"\necho "end"`);
    await stageIs(id, "review", "testing");
    const log = logLines(await streamText(id));
    expect(log).toContain("end");
    const names = [...log.matchAll(/^name:(\S+)$/gm)].map((m) => m[1]);
    expect(names).toContain("FLEET_JOB_ID");
    expect(names).toContain("PATH");
    for (const n of ["FLEET_ENROLLMENT_TOKEN", "FLEET_ADMIN_TOKEN", "AGENT_ONLY_SETTING", "FLEET_AGENT_CONFIG_DIR", "FLEET_HEARTBEAT_MS"]) expect(names).not.toContain(n);
    const home = /^home:(.*)$/m.exec(log)?.[1] ?? "";
    expect(home).toMatch(/fleet-job-[^/]+\/home$/);
    expect(agent.stderr()).not.toContain(app.enrollmentToken);
  });

  it("commit-then-revert of an out-of-scope file is caught at the gate: no auto-ship, ship refused without an override", async () => {
    const s = sandbox();
    const origin = gitRepo(path.join(s.dir, "origin"));
    startAgent({ server: app.url, token: app.enrollmentToken, name: "int-revert", sandbox: s });
    const script = [
      "git config user.email j@e && git config user.name j",
      "mkdir -p .github/workflows && echo 'on: push' > .github/workflows/x.yml",
      "git add -A && git commit -qm sneak",
      "git rm -q .github/workflows/x.yml && git commit -qm hide",
      "echo in-scope > src/a.txt", // left uncommitted: the agent commits it
    ].join("\n");
    const id = await submit({ engine: "shell", repo: origin, "allowed-scope": ["src/**"], verify: "true", "review-policy": "auto" }, script);
    const j = await stageIs(id, "testing", "shipped");
    expect(j.stage).toBe("testing"); // not auto-shipped
    const ship = await api("POST", `/jobs/${id}/actions`, { action: "ship" });
    expect(ship.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(ship.body)).toContain("scope");
    expect((await job(id)).stage).toBe("testing");
    expect(JSON.stringify(await job(id))).toContain(".github/workflows/x.yml");
  });

  it("timeout kills the whole process tree", async () => {
    const s = sandbox();
    startAgent({ server: app.url, token: app.enrollmentToken, name: "int-5", sandbox: s });
    // Found by its command line, not a pid: under bwrap the job's pids are its namespace's.
    const marker = `fleet-gc-${process.pid}-${Date.now()}`;
    const running = () => execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).includes(marker);
    const id = await submit({ engine: "shell", cwd: s.dir, timeout: "2s" }, `(exec -a ${marker} sleep 300) &\ntrap '' TERM\nsleep 300`);
    await stageIs(id, "building");
    await until(async () => running());
    await until(async () => /"outcome":"timeout"/.test(JSON.stringify((await api("GET", `/jobs/${id}/events`)).body)));
    await until(async () => !running(), 5_000);
  });

  it("a config entry that only moves `claude` to another binary keeps claude's real argv; yolo as root needs IS_SANDBOX=1", async () => {
    const s = sandbox();
    writeFileSync(s.config, `engines:\n  claude:\n    command: ${JSON.stringify(path.join(AGENT_DIR, "test", "fixtures", "fake-claude"))}\n`);
    const prompt = "fake: argv-all";
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const refused = startAgent({ server: app.url, token: app.enrollmentToken, name: "int-root", sandbox: s, args: ["--engines", "claude"], env: { IS_SANDBOX: "" } });
      const id = await submit({ engine: "claude", cwd: s.dir, yolo: true }, prompt);
      await until(async () => refused.stderr().includes("warning: claude refuses --dangerously-skip-permissions when run as root")); // said at start
      await stageIs(id, "failed", "dead_letter");
      const log = logLines(await streamText(id));
      expect(log).toContain("claude refuses --dangerously-skip-permissions when run as root");
      expect(log).not.toContain("ARGV"); // the engine never started
      await refused.stop();
    }
    startAgent({ server: app.url, token: app.enrollmentToken, name: "int-claude", sandbox: s, args: ["--engines", "claude"], env: { IS_SANDBOX: "1" } });
    const id = await submit({ engine: "claude", cwd: s.dir, yolo: true }, prompt);
    await stageIs(id, "review", "testing");
    const log = logLines(await streamText(id));
    expect(log).toContain(`ARGV ${JSON.stringify(["-p", "--output-format", "stream-json", "--verbose", "--dangerously-skip-permissions", "--"])}`);
  });
});
