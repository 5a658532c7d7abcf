/**
 * Job isolation, end to end: real agents (the built bundle, as child processes) against the real
 * coordinator (the built app over HTTP, test/harness/app.ts). A hostile shell job tries every
 * credential path an agent has (its /proc environ and cmdline, the factory token file, the state
 * directory, $FLEET_DATA_DIR/secrets.json, the enrollment token file) and plants hooks and config
 * in the shared repository cache and in its own repository, which the agent reads afterwards.
 *
 * Under the default level (bwrap here) every attempt is refused and the next job's setup runs
 * nothing planted. Under `--isolation none` the same probes succeed, which shows they are real
 * (and that `none` still runs jobs, with its warning). Needs a build (`npm run build`) and bwrap.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startApp, type StartedApp } from "../../test/harness/app";
import { repoCachePath } from "../src/detect/repo-caches";
import { probeIsolation } from "../src/run/sandbox/isolation";
import { agentSandbox, BUNDLE, buildAgent, killAllAgents, startAgent } from "./agent-process";

const levels = probeIsolation({ env: process.env, jobUser: "nobody" });
const bwrapWorks = levels.find((p) => p.level === "bwrap")?.available === true;
/** `user` needs root and an unprivileged user: Debian's `nobody` stands in for a dedicated one. */
const userWorks = levels.find((p) => p.level === "user")?.available === true;

/** A skipped test says why in its title and once on stderr (the probe's own words), never silently. */
function unlessUnavailable(level: "bwrap" | "user", title: string): string {
  const p = levels.find((x) => x.level === level);
  if (p?.available) return title;
  const why = `skipped: ${level} isolation does not work here: ${p?.detail ?? "not probed"}`;
  console.warn(`agent.isolation.test: "${title}" ${why}`);
  return `${title} (${why})`;
}

let app: StartedApp;
const sandboxes: ReturnType<typeof agentSandbox>[] = [];

beforeAll(async () => {
  buildAgent();
  app = await startApp({ env: { FLEET_LEASE_TTL_MS: "5000", FLEET_SWEEP_MS: "250", FLEET_HEARTBEAT_MS: "500" } });
}, 120_000);
afterEach(async () => {
  await killAllAgents();
});
afterAll(async () => {
  await app?.stop();
  for (const s of sandboxes) s.cleanup();
});

async function api<T = Record<string, unknown>>(method: string, p: string, body?: string, contentType = "text/markdown"): Promise<{ status: number; body: T }> {
  const r = await fetch(app.url + "/api/fleet" + p, {
    method,
    headers: { authorization: `Bearer ${app.adminToken}`, ...(body !== undefined ? { "content-type": contentType } : {}) },
    body,
  });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function submit(front: Record<string, unknown>, script: string): Promise<string> {
  const yaml = Object.entries(front).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join("\n");
  const r = await api<{ id: string }>("POST", "/jobs", `---\n${yaml}\n---\n# hostile\n\n${script}\n`);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 150));
  }
}

const stageIs = (id: string, ...stages: string[]) =>
  until(async () => ((j) => stages.includes(j.stage) && j)((await api<{ stage: string } & Record<string, unknown>>("GET", `/jobs/${id}`)).body));

/** The job's stored log: what its live stream (SSE) carries as run:log lines, read for `ms`. */
async function logOf(id: string, ms = 1_500): Promise<string> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(), ms);
  let sse = "";
  try {
    const r = await fetch(`${app.url}/api/fleet/jobs/${id}/stream`, { headers: { authorization: `Bearer ${app.adminToken}` }, signal: ac.signal });
    const reader = r.body!.getReader();
    const dec = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      sse += dec.decode(value, { stream: true });
    }
  } catch {
    // aborted after `ms`: what arrived is what the store had
  } finally {
    clearTimeout(t);
  }
  return [...sse.matchAll(/^event: run:log\ndata: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as { text: string }).text).join("");
}

function gitRepo(dir: string): string {
  mkdirSync(path.join(dir, "src"), { recursive: true });
  writeFileSync(path.join(dir, "src", "a.txt"), "a\n");
  const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: dir });
  g("init", "-q", "-b", "main");
  g("add", "-A");
  g("commit", "-q", "-m", "init");
  return dir;
}

/** An agent holding every kind of secret an agent can hold, the way `npm start` starts one. */
function hostileWorld(name: string) {
  const s = agentSandbox();
  sandboxes.push(s);
  const dataDir = path.join(s.dir, "data");
  mkdirSync(dataDir);
  writeFileSync(path.join(dataDir, "secrets.json"), JSON.stringify({ nextauthSecret: "next-auth-secret-marker" }), { mode: 0o600 });
  const tokenFile = path.join(s.dir, "enroll.txt");
  writeFileSync(tokenFile, app.enrollmentToken + "\n", { mode: 0o600 });
  const marker = path.join(s.dir, "planted-code-ran");
  return { s, name, dataDir, tokenFile, marker, factoryTokenFile: path.join(s.configDir, `${name}.json`) };
}

/** The hostile job: READ/DENIED per credential path, PLANTED per write into the shared cache (whose path it is told). */
function hostileScript(w: ReturnType<typeof hostileWorld>, agentPid: number, origin: string): string {
  const cachePath = repoCachePath(w.s.workdir, origin);
  const evil = `#!/bin/sh\necho ran >> '${w.marker}'\n`;
  return [
    'probe() { if cat "$1" >/dev/null 2>&1; then echo "READ $1"; else echo "DENIED $1"; fi; }',
    "probe /proc/$PPID/environ",
    "probe /proc/$PPID/cmdline",
    `probe /proc/${agentPid}/environ`,
    `probe /proc/${agentPid}/cmdline`,
    `for p in $PPID ${agentPid}; do grep -qa FLEET_ENROLLMENT_TOKEN /proc/$p/environ 2>/dev/null && echo "ENVIRON-HAS-TOKEN $p"; done`,
    `probe '${w.factoryTokenFile}'`,
    `probe '${w.dataDir}/secrets.json'`,
    `probe '${w.tokenFile}'`,
    `[ -n "$(ls -A '${w.s.configDir}' 2>/dev/null)" ] && echo "LISTED state dir"`,
    // the shared repository cache (a job can work its path out: the name is a hash of the URL)
    `cache='${cachePath}'`,
    `printf '%s' "${evil.replace(/\n/g, "\\n")}" > "$cache/hooks/post-checkout" 2>/dev/null && chmod +x "$cache/hooks/post-checkout" && echo "PLANTED hook"`,
    `git config --file "$cache/config" core.hooksPath '${path.join(w.s.dir, "evil-hooks")}' 2>/dev/null && echo "PLANTED hooksPath"`,
    `git config --file "$cache/config" core.fsmonitor "echo ran >> '${w.marker}'" 2>/dev/null && echo "PLANTED fsmonitor"`,
    `git config --file "$cache/config" remote.origin.url '${path.join(w.s.dir, "evil-origin")}' 2>/dev/null && echo "PLANTED origin"`,
    // its own repository, which the agent reads afterwards: nothing here may run as the agent
    `for h in pre-commit post-commit reference-transaction post-checkout post-index-change; do printf '%s' "${evil.replace(/\n/g, "\\n")}" > .git/hooks/$h; chmod +x .git/hooks/$h; done`,
    `git config --file .git/config filter.evil.clean "sh -c 'echo ran >> ${w.marker}; cat'"`,
    `git config --file .git/config core.fsmonitor "echo ran >> '${w.marker}'"`,
    `git config --file .git/config gpg.program "sh -c 'echo ran >> ${w.marker}'"`,
    "git config --file .git/config commit.gpgSign true",
    "echo '* filter=evil' > .gitattributes",
    "echo changed > src/a.txt 2>/dev/null || echo changed > a.txt", // left uncommitted: the agent commits it
    "echo end-of-probes",
  ].join("\n");
}

/** What a sandboxed job must never manage. Its parent there is the sandbox's PID 1, whose environment is the job's own. */
const problems = (log: string) => log.split("\n").filter((l) => /^(READ|PLANTED|LISTED|ENVIRON-HAS-TOKEN) /.test(l) && !/^READ \/proc\/1\//.test(l));

// win32: shell jobs are POSIX.
describe.skipIf(process.platform === "win32")("a hostile job on a real agent", () => {
  it.skipIf(!bwrapWorks)(unlessUnavailable("bwrap", "by default (bwrap) reaches no credential and plants nothing; the next job's setup runs nothing planted"), async () => {
    const w = hostileWorld("iso-bwrap");
    const origin = gitRepo(path.join(w.s.dir, "origin"));
    const agent = startAgent({
      server: app.url,
      name: w.name,
      sandbox: w.s,
      args: ["--token-file", w.tokenFile],
      env: { FLEET_ENROLLMENT_TOKEN: app.enrollmentToken, FLEET_DATA_DIR: w.dataDir, FLEET_ADMIN_TOKEN: app.adminToken },
    });
    await until(async () => agent.stderr().includes("isolation: bwrap"));
    await until(async () => existsSync(w.factoryTokenFile)); // registered: the token file is there to be stolen
    // the level is advertised, so a job can require it
    const factories = (await api<{ items: { name: string; capabilities: string[] }[] }>("GET", "/factories")).body.items;
    expect(factories.find((f) => f.name === w.name)?.capabilities).toContain("isolation:bwrap");
    const first = await submit({ engine: "shell", repo: origin, verify: "true", capabilities: ["isolation:bwrap"] }, hostileScript(w, agent.proc.pid!, origin));
    await stageIs(first, "review", "testing", "failed");
    const log = await logOf(first);
    expect(log).toContain("end-of-probes");
    expect(log).toMatch(/^READ \/proc\/1\/environ$/m); // its parent is the sandbox's PID 1, not the agent…
    expect(log).not.toContain("ENVIRON-HAS-TOKEN"); // …and holds no token
    expect(log).toContain(`DENIED /proc/${agent.proc.pid}/environ`);
    expect(log).toContain(`DENIED ${w.factoryTokenFile}`);
    expect(log).toContain(`DENIED ${w.dataDir}/secrets.json`);
    expect(log).toContain(`DENIED ${w.tokenFile}`);
    expect(problems(log)).toEqual([]);

    // The cache is as the agent left it.
    const repos = path.join(w.s.workdir, "repos");
    const cache = path.join(repos, readdirSync(repos).find((d) => d.endsWith(".git"))!);
    const config = readFileSync(path.join(cache, "config"), "utf8");
    expect(config).not.toMatch(/hooksPath|fsmonitor|evil/);
    expect(existsSync(path.join(cache, "hooks", "post-checkout"))).toBe(false);
    // Its leftovers were committed by the agent (the job's filter, hooks and gpg.program unused).
    const j = (await api<{ stage: string }>("GET", `/jobs/${first}`)).body;
    expect(j.stage).toBe("testing");
    expect(JSON.stringify(j)).toContain("src/a.txt");

    // The next job on the same repository: its setup (fetch, checkout) and the agent's steps run nothing planted.
    const second = await submit({ engine: "shell", repo: origin, verify: "true" }, "echo second > src/b.txt\necho second-done");
    await stageIs(second, "testing");
    expect(await logOf(second)).toContain("second-done");
    expect(existsSync(w.marker)).toBe(false);
    expect(agent.stderr()).not.toContain(app.enrollmentToken);
  }, 180_000);

  it.skipIf(!userWorks)(unlessUnavailable("user", "with --isolation user (as nobody) reaches none of the agent's 0600 files, its /proc or the cache"), async () => {
    const w = hostileWorld("iso-user");
    chmodSync(w.s.dir, 0o755); // the job user must reach its checkout under --workdir
    const origin = gitRepo(path.join(w.s.dir, "origin"));
    const agent = startAgent({
      server: app.url,
      name: w.name,
      sandbox: w.s,
      args: ["--token-file", w.tokenFile, "--isolation", "user", "--job-user", "nobody"],
      env: { FLEET_ENROLLMENT_TOKEN: app.enrollmentToken, FLEET_DATA_DIR: w.dataDir },
    });
    await until(async () => existsSync(w.factoryTokenFile));
    expect(agent.stderr()).toContain("isolation: user");
    const first = await submit({ engine: "shell", repo: origin, verify: "true" }, `echo "uid=$(id -u)"\n${hostileScript(w, agent.proc.pid!, origin)}`);
    await stageIs(first, "review", "testing", "failed");
    const log = await logOf(first);
    expect(log).toContain("end-of-probes");
    expect(log).toMatch(/^uid=65534$/m);
    expect(log).toContain(`DENIED /proc/${agent.proc.pid}/environ`);
    expect(log).toContain(`DENIED ${w.factoryTokenFile}`);
    expect(log).toContain(`DENIED ${w.dataDir}/secrets.json`);
    expect(log).toContain(`DENIED ${w.tokenFile}`);
    // Another user's argv is world-readable on Linux: why the token comes from --token-file, never --token.
    expect(problems(log).filter((l) => !/^READ \/proc\/\d+\/cmdline$/.test(l))).toEqual([]);
    expect(readFileSync(path.join(repoCachePath(w.s.workdir, origin), "config"), "utf8")).not.toMatch(/hooksPath|fsmonitor|evil/);
    expect((await api<{ stage: string }>("GET", `/jobs/${first}`)).body.stage).toBe("testing");
    const second = await submit({ engine: "shell", repo: origin, verify: "true" }, "echo second > src/b.txt\necho second-done");
    await stageIs(second, "testing");
    expect(existsSync(w.marker)).toBe(false);
  }, 180_000);

  it.skipIf(!bwrapWorks)(unlessUnavailable("bwrap", "under bwrap a job dies with its agent (kill -9): nothing of it runs on unsupervised"), async () => {
    const s = agentSandbox();
    sandboxes.push(s);
    const agent = startAgent({ server: app.url, token: app.enrollmentToken, name: "iso-die", sandbox: s, args: ["--isolation", "bwrap"] });
    const marker = `fleet-orphan-${process.pid}-${Date.now()}`;
    const running = () => execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }).includes(marker);
    const id = await submit({ engine: "shell" }, `(trap '' TERM HUP; exec -a ${marker} sleep 300) &\nsleep 300`);
    await stageIs(id, "building");
    await until(async () => running());
    agent.proc.kill("SIGKILL");
    await agent.exited;
    await until(async () => !running(), 10_000);
    // Not for another test's agent to pick up once the lease expires.
    expect((await api("POST", `/jobs/${id}/actions`, JSON.stringify({ action: "cancel" }), "application/json")).status).toBeLessThan(300);
  }, 120_000);

  it("--detect reports every level, whether it works here and why not, and the one it would use", () => {
    const out = JSON.parse(execFileSync(process.execPath, [BUNDLE, "--detect", "--engines", "shell", "--job-network", "off"], { encoding: "utf8" })) as {
      capabilities: string[];
      isolation: { level: string; network: string; levels: Record<string, { available: boolean; detail: string }> };
    };
    expect(out.capabilities).toContain(`isolation:${out.isolation.level}`);
    expect(Object.keys(out.isolation.levels)).toEqual(["bwrap", "sandbox-exec", "user", "none"]);
    expect(out.isolation.level).toBe(bwrapWorks ? "bwrap" : out.isolation.levels.user!.available ? "user" : out.isolation.levels["sandbox-exec"]!.available ? "sandbox-exec" : "none");
    expect(out.isolation.network).toBe("off");
    expect(out.isolation.levels.none).toEqual({ available: true, detail: "no isolation" });
    const asked = spawnSync(process.execPath, [BUNDLE, "--server", "http://127.0.0.1:9", "--token", "x", "--engines", "shell", "--isolation", "sandbox-exec"], { encoding: "utf8", env: { ...process.env, FLEET_AGENT_CONFIG_DIR: path.join(os.tmpdir(), "fleet-none-here") } });
    if (process.platform !== "darwin") {
      expect(asked.status).toBe(2);
      expect(asked.stderr).toMatch(/--isolation sandbox-exec: not available on this machine: macOS only/);
    }
  });

  it("with --isolation none the same probes succeed (they are real), jobs still run, and the agent says so loudly", async () => {
    const w = hostileWorld("iso-none");
    const origin = gitRepo(path.join(w.s.dir, "origin"));
    const agent = startAgent({
      server: app.url,
      name: w.name,
      sandbox: w.s,
      args: ["--token-file", w.tokenFile, "--isolation", "none"],
      env: { FLEET_ENROLLMENT_TOKEN: app.enrollmentToken, FLEET_DATA_DIR: w.dataDir },
    });
    await until(async () => existsSync(w.factoryTokenFile));
    expect(agent.stderr()).toContain("warning: --isolation none: jobs run as this agent's user");
    const id = await submit({ engine: "shell", repo: origin, verify: "true" }, hostileScript(w, agent.proc.pid!, origin));
    await stageIs(id, "review", "testing", "failed").catch((e: Error) => {
      throw new Error(`${e.message}\n${agent.stderr()}`);
    });
    const log = await logOf(id);
    expect(log).toContain("end-of-probes");
    expect(log).toContain("warning: --isolation none"); // in the job's own log too
    expect(log).toContain(`READ /proc/${agent.proc.pid}/environ`);
    expect(log).toContain(`ENVIRON-HAS-TOKEN ${agent.proc.pid}`);
    expect(log).toContain(`READ ${w.factoryTokenFile}`);
    expect(log).toContain(`READ ${w.dataDir}/secrets.json`);
    expect(log).toContain(`READ ${w.tokenFile}`);
    expect(log).toContain("PLANTED origin");
    // Even here nothing the job wrote into git ran as the agent: its steps use their own git directory.
    expect(existsSync(w.marker)).toBe(false);
  }, 180_000);
});
