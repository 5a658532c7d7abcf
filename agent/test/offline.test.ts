/**
 * `fleet-agent --offline DIR`: the BUILT agent as a child process on a real folder queue, with the
 * shell engine, real git repositories (worktree per job) and real verify commands. No timed
 * assertions: a test waits for files to appear (bounded only by the test timeout).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BUNDLE, buildAgent, killAllAgents } from "./agent-process";

const children = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await killAllAgents();
  await Promise.all(
    [...children].map(
      (p) =>
        new Promise<void>((r) => {
          if (p.exitCode !== null || p.signalCode !== null) return r();
          p.once("exit", () => r());
          p.kill("SIGKILL");
        }),
    ),
  );
  children.clear();
  for (const c of cleanups.splice(0).reverse()) c();
});

beforeAll(() => buildAgent(), 120_000);

function sandbox() {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-offline-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const queue = path.join(dir, "queue");
  mkdirSync(path.join(queue, "inbox"), { recursive: true });
  return { dir, queue, workdir: path.join(dir, "work") };
}

function gitRepo(dir: string): string {
  mkdirSync(path.join(dir, "src"), { recursive: true });
  writeFileSync(path.join(dir, "src", "a.ts"), "export const a = 1;\n");
  const g = (...a: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@e", ...a], { cwd: dir });
  g("init", "-q", "-b", "main");
  g("add", "-A");
  g("commit", "-q", "-m", "init");
  return dir;
}

function job(queue: string, stem: string, front: string, body: string): void {
  writeFileSync(path.join(queue, "inbox", `${stem}.md`), `---\n${front.trim()}\n---\n# ${stem}\n${body.trim()}\n`);
}

function agent(s: ReturnType<typeof sandbox>, name: string, args: string[] = []) {
  const proc = spawn(
    process.execPath,
    [BUNDLE, "--offline", s.queue, "--name", name, "--engines", "shell", "--workdir", path.join(s.workdir, name), ...args],
    {
      env: { ...process.env, FLEET_AGENT_OFFLINE_POLL_MS: "50", FLEET_AGENT_KILL_GRACE_MS: "300", FLEET_AGENT_CONFIG_DIR: path.join(s.dir, "config") },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.add(proc);
  let err = "";
  proc.stderr!.on("data", (d) => (err += d));
  proc.stdout!.on("data", () => {});
  const exited = new Promise<number | null>((r) => proc.once("exit", (code, signal) => r(code ?? (signal ? 128 : null))));
  return { proc, exited, stderr: () => err };
}

const ls = (queue: string, stage: string) => (existsSync(path.join(queue, stage)) ? readdirSync(path.join(queue, stage)).sort() : []);
const result = (queue: string, stage: string, stem: string) => JSON.parse(readFileSync(path.join(queue, stage, `${stem}.result.json`), "utf8"));

async function until(cond: () => boolean, what: string): Promise<void> {
  while (!cond()) {
    await new Promise((r) => setTimeout(r, 25));
    if (children.size && [...children].every((c) => c.exitCode !== null)) {
      if (!cond()) throw new Error(`every agent exited before: ${what}`);
    }
  }
}

// win32: the jobs here are shell scripts and the repos are made with POSIX tools.
describe.skipIf(process.platform === "win32")("fleet-agent --offline DIR", () => {
  it("runs a shell job in a worktree of its repo: inbox → building → testing, with its log and result", async () => {
    const s = sandbox();
    const repo = gitRepo(path.join(s.dir, "origin"));
    // The job can write only its checkout (the sandbox hides the rest of /tmp): it signals the
    // test through its own .git directory, which is not part of its scope.
    const jobs = path.join(s.workdir, "off-1", "jobs");
    const checkout = () => (existsSync(jobs) ? readdirSync(jobs).map((d) => path.join(jobs, d)).find((d) => existsSync(path.join(d, ".git", "started"))) : undefined);
    job(
      s.queue,
      "add-b",
      `engine: shell\nrepo: ${repo}\nverify: "test -f src/b.ts && echo verified"\nallowed-scope: ["src/**"]\nartifacts: [diff]`,
      [
        "touch .git/started",
        "until [ -f .git/go ]; do sleep 0.02; done",
        "echo building b",
        "echo the token is ghp_" + "Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2",
        "echo 'export const b = 2;' > src/b.ts",
        "git add -A && git commit -q -m 'add b'",
      ].join("\n"),
    );
    const a = agent(s, "off-1", ["--once"]);
    await until(() => checkout() !== undefined, "the engine started");
    // Claimed: out of the inbox, into building/, and every stage folder exists.
    expect(ls(s.queue, "inbox")).toEqual([]);
    expect(ls(s.queue, "building")).toContain("add-b.md");
    for (const d of ["review", "testing", "shipped", "failed"]) expect(existsSync(path.join(s.queue, d))).toBe(true);
    writeFileSync(path.join(checkout()!, ".git", "go"), "");
    expect(await a.exited).toBe(0);

    expect(ls(s.queue, "building")).toEqual([]);
    expect(ls(s.queue, "testing")).toEqual(["add-b.artifacts", "add-b.log", "add-b.md", "add-b.result.json"]);
    const log = readFileSync(path.join(s.queue, "testing", "add-b.log"), "utf8");
    expect(log).toContain("building b");
    expect(log).toContain("[REDACTED");
    expect(log).not.toContain("Z9y8X7w6V5u4");
    const r = result(s.queue, "testing", "add-b");
    expect(r).toMatchObject({
      file: "add-b.md",
      title: "add-b",
      agent: "off-1",
      engine: "shell",
      outcome: "succeeded",
      exitCode: 0,
      stage: "testing",
      stages: ["review", "testing"],
      verify: { passed: true, exitCode: 0 },
      scope: { changed: ["src/b.ts"], outOfScope: [] },
    });
    expect(r.verify.output).toContain("verified");
    expect(r.commits).toHaveLength(1);
    expect(r.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.artifacts[0]).toMatchObject({ name: "diff", kind: "diff" });
    expect(readFileSync(path.join(s.queue, "testing", "add-b.artifacts", r.artifacts[0].file), "utf8")).toContain("export const b = 2;");
    // The commit survives on the job's branch in the agent's repo cache; the worktree is gone.
    expect(existsSync(path.join(s.workdir, "off-1", "jobs"))).toBe(true);
    expect(readdirSync(path.join(s.workdir, "off-1", "jobs"))).toEqual([]);
  });

  it("a failing verify → failed/; an engine failure → failed/; review-policy auto + green verify → shipped/", async () => {
    const s = sandbox();
    const cwd = mkdtempSync(path.join(s.dir, "cwd-"));
    job(s.queue, "a-verify-fails", `engine: shell\ncwd: ${cwd}\nverify: "echo nope; exit 3"`, "echo ran");
    job(s.queue, "b-engine-fails", `engine: shell\ncwd: ${cwd}\nverify: "true"`, "echo failing >&2; exit 7");
    job(s.queue, "c-auto", `engine: shell\ncwd: ${cwd}\nverify: "true"\nreview-policy: auto`, "echo fine");
    job(s.queue, "d-no-verify", `engine: shell\ncwd: ${cwd}`, "echo waits for a person");
    const a = agent(s, "off-2");
    await until(() => ls(s.queue, "inbox").length === 0 && ls(s.queue, "building").length === 0, "all four jobs done");
    a.proc.kill("SIGTERM");
    expect(await a.exited).toBe(0);

    expect(result(s.queue, "failed", "a-verify-fails")).toMatchObject({
      outcome: "succeeded",
      stage: "failed",
      stages: ["review", "failed"],
      verify: { passed: false, exitCode: 3 },
    });
    expect(result(s.queue, "failed", "a-verify-fails").verify.output).toContain("nope");
    // The coordinator's retry rules, as online: the default policy (max 0) sends a failed engine to dead_letter (folder: failed/).
    expect(result(s.queue, "failed", "b-engine-fails")).toMatchObject({ outcome: "failed", exitCode: 7, stage: "failed", stages: ["failed", "dead_letter"] });
    expect(result(s.queue, "failed", "b-engine-fails").verify).toBeUndefined();
    expect(readFileSync(path.join(s.queue, "failed", "b-engine-fails.log"), "utf8")).toContain("failing");
    expect(result(s.queue, "shipped", "c-auto")).toMatchObject({ stage: "shipped", stages: ["review", "testing", "shipped"] });
    expect(result(s.queue, "review", "d-no-verify")).toMatchObject({ stage: "review", stages: ["review"] });
    expect(ls(s.queue, "testing")).toEqual([]);
  });

  it("an invalid file → failed/ with <name>.errors.txt listing `path: message` lines; nothing runs", async () => {
    const s = sandbox();
    const marker = path.join(s.dir, "ran");
    job(s.queue, "bad", `engine: shell\nprioity: high\ntimeout: soon`, `touch ${marker}`);
    const a = agent(s, "off-3", ["--once"]);
    expect(await a.exited).toBe(0);
    expect(ls(s.queue, "failed")).toEqual(["bad.errors.txt", "bad.md"]);
    const errors = readFileSync(path.join(s.queue, "failed", "bad.errors.txt"), "utf8").trim().split("\n");
    expect(errors).toContainEqual(expect.stringMatching(/^prioity: .*did you mean `priority`/));
    expect(errors).toContainEqual(expect.stringMatching(/^timeout: /));
    expect(existsSync(marker)).toBe(false);
  });

  it("two agents on one folder with three jobs run each job exactly once", async () => {
    const s = sandbox();
    const cwd = mkdtempSync(path.join(s.dir, "cwd-"));
    // in the jobs' shared cwd: the only place outside its own files a sandboxed job may write
    const runs = path.join(cwd, "runs.txt");
    for (const n of ["j1", "j2", "j3"]) job(s.queue, n, `engine: shell\ncwd: ${cwd}\nverify: "true"`, `echo ${n} >> ${runs}\nsleep 0.1`);
    const a = agent(s, "off-a", ["--max", "2"]);
    const b = agent(s, "off-b", ["--max", "2"]);
    await until(() => ls(s.queue, "testing").filter((f) => f.endsWith(".md")).length === 3, "three jobs in testing/");
    a.proc.kill("SIGTERM");
    b.proc.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(readFileSync(runs, "utf8").trim().split("\n").sort()).toEqual(["j1", "j2", "j3"]);
    expect(ls(s.queue, "failed")).toEqual([]);
    for (const n of ["j1", "j2", "j3"]) expect(["off-a", "off-b"]).toContain(result(s.queue, "testing", n).agent);
  });

  it("jobs sharing a `lock` never run at the same time, across agents on one folder", async () => {
    const s = sandbox();
    const cwd = mkdtempSync(path.join(s.dir, "cwd-"));
    const held = path.join(cwd, "held");
    const overlaps = path.join(cwd, "overlaps");
    const runs = path.join(cwd, "runs.txt");
    const body = (n: string) =>
      `if ! mkdir ${held} 2>/dev/null; then echo ${n} >> ${overlaps}; fi\necho ${n} >> ${runs}\nsleep 0.15\nrmdir ${held} 2>/dev/null; true`;
    for (const n of ["l1", "l2", "l3", "l4"]) job(s.queue, n, `engine: shell\ncwd: ${cwd}\nlock: db`, body(n));
    const a = agent(s, "lock-a", ["--max", "2"]);
    const b = agent(s, "lock-b", ["--max", "2"]);
    await until(() => ls(s.queue, "review").filter((f) => f.endsWith(".md")).length === 4, "four jobs in review/");
    a.proc.kill("SIGTERM");
    b.proc.kill("SIGTERM");
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(existsSync(overlaps)).toBe(false);
    expect(readFileSync(runs, "utf8").trim().split("\n").sort()).toEqual(["l1", "l2", "l3", "l4"]);
  });

  it("--once processes one file and exits; the next stays in the inbox", async () => {
    const s = sandbox();
    const cwd = mkdtempSync(path.join(s.dir, "cwd-"));
    job(s.queue, "first", `engine: shell\ncwd: ${cwd}\npriority: low`, "echo first");
    job(s.queue, "second", `engine: shell\ncwd: ${cwd}\npriority: high`, "echo second");
    const a = agent(s, "off-4", ["--once"]);
    expect(await a.exited).toBe(0);
    // priority first, then name: `second` (high) ran, `first` (low) waits.
    expect(ls(s.queue, "review")).toEqual(["second.log", "second.md", "second.result.json"]);
    expect(ls(s.queue, "inbox")).toEqual(["first.md"]);
    // An empty inbox: --once has nothing to do and exits at once.
    const empty = sandbox();
    expect(await agent(empty, "off-5", ["--once"]).exited).toBe(0);
  });

  it("SIGTERM drains: the running job finishes and moves on, nothing more is picked, exit 0", async () => {
    const s = sandbox();
    const cwd = mkdtempSync(path.join(s.dir, "cwd-"));
    const started = path.join(cwd, "started");
    const go = path.join(cwd, "go");
    job(s.queue, "a-long", `engine: shell\ncwd: ${cwd}\nverify: "true"`, `touch ${started}\nuntil [ -f ${go} ]; do sleep 0.02; done\necho done`);
    job(s.queue, "b-next", `engine: shell\ncwd: ${cwd}`, "echo next");
    const a = agent(s, "off-6");
    await until(() => existsSync(started), "the first job started");
    a.proc.kill("SIGTERM");
    await until(() => a.stderr().includes("draining"), "the agent drains");
    writeFileSync(go, "");
    expect(await a.exited).toBe(0);
    expect(result(s.queue, "testing", "a-long")).toMatchObject({ outcome: "succeeded", stage: "testing" });
    expect(ls(s.queue, "inbox")).toEqual(["b-next.md"]);
  });

  it("refuses --server with --offline, pointing at --fallback", async () => {
    const s = sandbox();
    const a = agent(s, "off-7", ["--server", "http://127.0.0.1:9"]);
    expect(await a.exited).toBe(2);
    expect(a.stderr()).toMatch(/--offline with --server: .*--server URL --fallback DIR/);
  });
});
