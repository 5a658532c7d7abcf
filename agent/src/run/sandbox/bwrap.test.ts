/**
 * The bwrap level against the real bubblewrap: a job in it cannot read what the plan hides,
 * cannot write outside its checkout and scratch, has no view of the agent's /proc, holds no
 * capability even as root, sees only its own engine's credential file (read-only), gets its
 * SIGTERM with a grace period, and leaves nothing behind.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { spawnInGroup } from "../process-group";
import { bwrapArgs, orderMounts } from "./bwrap";
import { chooseIsolation, prepareJobFiles, probeIsolation, wrapCommand, type Isolation } from "./isolation";
import { planSandbox, SandboxRefusal, type AgentSecrets } from "./plan";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake agent's world in a temp dir: secrets where the agent keeps them, a checkout, a scratch. */
function world() {
  const root = mkdtempSync(path.join(os.tmpdir(), "fleet-bwrap-"));
  dirs.push(root);
  const p = (...s: string[]) => path.join(root, ...s);
  for (const d of ["home/.claude", "home/.codex", "home/.ssh", "home/.local/bin", "state", "work/repos/r.git/objects", "work/jobs/L1", "work/jobs/L2", "data", "scratch/home", "scratch/tmp"]) {
    mkdirSync(p(d), { recursive: true });
  }
  writeFileSync(p("home/.claude/.credentials.json"), "CLAUDE-CRED");
  writeFileSync(p("home/.codex/auth.json"), "CODEX-CRED");
  writeFileSync(p("home/.ssh/id_ed25519"), "SSH-KEY");
  writeFileSync(p("home/.local/bin/tool"), "#!/bin/sh\necho tool-ran\n", { mode: 0o755 });
  writeFileSync(p("state/factory.json"), "FACTORY-TOKEN");
  writeFileSync(p("work/jobs/L2/other.txt"), "OTHER-JOB");
  writeFileSync(p("work/repos/r.git/objects/obj"), "OBJECT");
  writeFileSync(p("work/repos/r.git/config"), "[core]\n");
  writeFileSync(p("data/secrets.json"), "NEXTAUTH");
  writeFileSync(p("token.txt"), "ENROLL");
  const agent: AgentSecrets = {
    home: p("home"),
    stateDir: p("state"),
    workdir: p("work"),
    dataDir: p("data"),
    tokenFile: p("token.txt"),
    tmpDirs: [os.tmpdir()],
  };
  return { root, p, agent };
}

const probes = probeIsolation({ env: process.env, jobUser: "fleet-job-not-here" });
const bwrapProbe = probes.find((x) => x.level === "bwrap");
const bwrapWorks = bwrapProbe?.available === true;
/** Skipped, the suite says why in its title and once on stderr: bwrap's own error, never silently. */
const bwrapTitle = bwrapWorks ? "bwrap, for real" : `bwrap, for real (skipped: bwrap cannot run here: ${bwrapProbe?.detail ?? "not probed"})`;
if (!bwrapWorks) console.warn(`bwrap.test: ${bwrapTitle}`);

async function runIn(iso: Isolation, plan: ReturnType<typeof planSandbox>, script: string, env = { PATH: process.env.PATH } as unknown as NodeJS.ProcessEnv) {
  const w = wrapCommand(iso, plan, "/bin/sh", ["-c", script]);
  const proc = spawnInGroup(w.command, w.args, { cwd: plan.cwd, env, ...(w.infoFd ? { infoFd: true } : {}) });
  let out = "";
  proc.child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
  proc.child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
  const r = await proc.done;
  return { out, code: r.code, proc };
}

describe("mount order", () => {
  it("applies parents first, so the checkout inside the hidden workdir stays visible and a hidden dir inside a writable cwd stays hidden", () => {
    const ordered = orderMounts([
      { kind: "rw", dest: "/w/work/jobs/L1" },
      { kind: "hide-dir", dest: "/w/work" },
      { kind: "hide-dir", dest: "/w/state" },
      { kind: "rw", dest: "/w" },
    ]);
    expect(ordered.map((m) => m.dest)).toEqual(["/w", "/w/work", "/w/state", "/w/work/jobs/L1"]);
    const args = bwrapArgs({ cwd: "/w/work/jobs/L1", network: false, mounts: ordered, writable: [], hidden: [], readable: [] }, "sh", ["-c", "x"], true);
    expect(args.slice(0, 6)).toEqual(["--ro-bind", "/", "/", "--dev", "/dev", "--proc"]);
    expect(args.join(" ")).toContain("--bind /w /w --tmpfs /w/work --tmpfs /w/state --bind /w/work/jobs/L1 /w/work/jobs/L1 --remount-ro /w/work --remount-ro /w/state");
    expect(args).toContain("--unshare-net");
    expect(args).toContain("--unshare-pid");
    expect(args.join(" ")).toContain("--cap-drop ALL");
    expect(args).not.toContain("--new-session");
    expect(args.slice(-4)).toEqual(["--", "sh", "-c", "x"]);
    expect(bwrapArgs({ cwd: "/", network: true, mounts: [], writable: [], hidden: [], readable: [] }, "sh", [], false)).not.toContain("--unshare-net");
  });
});

describe("the sandbox plan", () => {
  it("refuses a cwd that is the agent's own files, a hidden directory or a system directory", () => {
    const { p, agent } = world();
    const job = (cwd: string) => ({ cwd, writable: [cwd], manifestCwd: true, scratch: p("scratch"), home: p("scratch/home"), readOnly: [], credentialFiles: [] });
    expect(() => planSandbox(agent, job(p("state")), true)).toThrow(SandboxRefusal);
    expect(() => planSandbox(agent, job(p("data")), true)).toThrow(/agent's own files/);
    expect(() => planSandbox(agent, job(p("work")), true)).toThrow(/agent's own files/);
    expect(() => planSandbox(agent, job(p("work/repos/r.git")), true)).toThrow(/agent's own files/);
    expect(() => planSandbox(agent, job(p("home")), true)).toThrow(/hides from jobs/);
    expect(() => planSandbox(agent, job("/"), true)).toThrow(/system directory/);
    expect(() => planSandbox(agent, job("/etc"), true)).toThrow(/system directory/);
    // a parent of the agent's files is fine: they stay hidden inside it
    const plan = planSandbox(agent, job(p()), true);
    expect(plan.hidden).toEqual(expect.arrayContaining([p("state"), p("data"), p("work"), p("home"), p("token.txt")]));
  });

  it("allows the checkout the agent made even where its files are (npm start: state and workdir inside the data dir)", () => {
    const { p } = world();
    mkdirSync(p("data/agent-config"), { recursive: true });
    mkdirSync(p("data/agent-work/jobs/L1"), { recursive: true });
    const agent: AgentSecrets = { home: p("home"), stateDir: p("data/agent-config"), workdir: p("data/agent-work"), dataDir: p("data"), tmpDirs: [os.tmpdir()] };
    const checkout = p("data/agent-work/jobs/L1");
    const plan = planSandbox(agent, { cwd: checkout, writable: [checkout], scratch: p("scratch"), home: p("scratch/home"), readOnly: [], credentialFiles: [] }, true);
    const ordered = orderMounts(plan.mounts).map((m) => `${m.kind} ${m.dest}`);
    // the data dir hidden first, the checkout inside it writable on top
    expect(ordered.indexOf(`hide-dir ${p("data")}`)).toBeLessThan(ordered.indexOf(`rw ${checkout}`));
    expect(() => planSandbox(agent, { cwd: checkout, writable: [checkout], manifestCwd: true, scratch: p("scratch"), home: p("scratch/home"), readOnly: [], credentialFiles: [] }, true)).toThrow(SandboxRefusal);
  });
});

describe.skipIf(!bwrapWorks)(bwrapTitle, () => {
  const iso = (w: ReturnType<typeof world>, network = true): Isolation => ({ level: "bwrap", network, agent: w.agent });

  it("hides the agent's secrets and other jobs, allows only the checkout and scratch to be written, shows no /proc of the agent and no capability", async () => {
    const w = world();
    const { p } = w;
    const plan = planSandbox(
      w.agent,
      {
        cwd: p("work/jobs/L1"),
        writable: [p("work/jobs/L1")],
        scratch: p("scratch"),
        home: p("scratch/home"),
        readOnly: [p("work/repos/r.git/objects")],
        credentialFiles: [".claude/.credentials.json", ".claude.json"],
        pathEnv: `${p("home/.local/bin")}:/usr/bin:/bin`,
      },
      true,
    );
    prepareJobFiles(iso(w), plan);
    const tries = [
      p("state/factory.json"),
      p("data/secrets.json"),
      p("token.txt"),
      p("home/.ssh/id_ed25519"),
      p("home/.codex/auth.json"),
      p("work/jobs/L2/other.txt"),
      p("work/repos/r.git/config"),
      `/proc/${process.pid}/environ`,
      `/proc/${process.ppid}/cmdline`,
    ];
    const script = [
      ...tries.map((f) => `if cat '${f}' >/dev/null 2>&1; then echo "READ ${f}"; else echo "DENIED ${f}"; fi`),
      "echo ok > here.txt && echo WROTE-CHECKOUT",
      `echo x > '${p("scratch/tmp/t")}' && echo WROTE-SCRATCH`,
      `echo x > '${p("work/repos/r.git/objects/planted")}' 2>/dev/null && echo WROTE-CACHE`,
      `echo x > '${p("state/planted")}' 2>/dev/null && echo WROTE-STATE`,
      `echo x > '${p("work/repos/r.git/config")}' 2>/dev/null && echo WROTE-CACHE-CONFIG`,
      `echo x > '${p("work/planted")}' 2>/dev/null && echo WROTE-WORKDIR`,
      "touch /etc/fleet-planted 2>/dev/null && echo WROTE-ETC",
      `cat '${p("work/repos/r.git/objects/obj")}'`,
      `cat '${p("scratch/home/.claude/.credentials.json")}'`,
      `echo y > '${p("scratch/home/.claude/.credentials.json")}' 2>/dev/null && echo WROTE-CRED`,
      `PATH='${p("home/.local/bin")}':$PATH tool`,
      "grep CapEff /proc/self/status",
      "echo pid=$$",
    ].join("\n");
    const { out, code } = await runIn(iso(w), plan, script);
    expect(code, out).toBe(0);
    for (const f of tries) expect(out).toContain(`DENIED ${f}`);
    expect(out).not.toContain("READ ");
    expect(out).toContain("WROTE-CHECKOUT");
    expect(out).toContain("WROTE-SCRATCH");
    for (const m of ["WROTE-CACHE", "WROTE-STATE", "WROTE-ETC", "WROTE-CRED", "WROTE-WORKDIR"]) expect(out).not.toContain(m);
    expect(out).toContain("OBJECT"); // the cache's objects, read-only, for the job's alternates
    expect(out).toContain("CLAUDE-CRED"); // its own engine's sign-in, read-only
    expect(out).toContain("tool-ran"); // a program installed under the agent's home still runs
    expect(out).toMatch(/CapEff:\s+0+\n/);
    expect(Number(/pid=(\d+)/.exec(out)?.[1])).toBeLessThan(10); // its own PID namespace
    expect(readFileSync(p("work/jobs/L1/here.txt"), "utf8")).toBe("ok\n");
    expect(existsSync(p("state/planted"))).toBe(false);
    expect(existsSync("/etc/fleet-planted")).toBe(false);
  });

  it("--job-network off leaves the job only loopback", async () => {
    const w = world();
    const { p } = w;
    const plan = planSandbox(w.agent, { cwd: p("work/jobs/L1"), writable: [p("work/jobs/L1")], scratch: p("scratch"), home: p("scratch/home"), readOnly: [], credentialFiles: [] }, false);
    const { out } = await runIn(iso(w, false), plan, "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    expect(out.trim().split("\n")).toEqual(["lo"]);
  });

  it("a stop gives the job its SIGTERM and grace period, then ends the whole namespace, a job that left the group included", async () => {
    const w = world();
    const { p } = w;
    const plan = planSandbox(w.agent, { cwd: p("work/jobs/L1"), writable: [p("work/jobs/L1")], scratch: p("scratch"), home: p("scratch/home"), readOnly: [], credentialFiles: [] }, true);
    const marker = `fleet-ns-marker-${process.pid}-${Date.now()}`;
    const script = [
      // a member that left our process group and ignores SIGTERM
      `setsid bash -c 'trap "" TERM; exec -a ${marker} sleep 300' &`,
      "trap 'echo got-term > term.txt; exit 0' TERM",
      "echo ready > ready.txt",
      "while :; do sleep 0.05; done",
    ].join("\n");
    const w2 = wrapCommand(iso(w), plan, "/bin/sh", ["-c", script]);
    const proc = spawnInGroup(w2.command, w2.args, { cwd: plan.cwd, env: { PATH: process.env.PATH } as unknown as NodeJS.ProcessEnv, infoFd: true });
    const ready = p("work/jobs/L1/ready.txt");
    for (let i = 0; i < 400 && !existsSync(ready); i++) await new Promise((r) => setTimeout(r, 25));
    expect(existsSync(ready)).toBe(true);
    await proc.terminate(5_000);
    await proc.done;
    expect(readFileSync(p("work/jobs/L1/term.txt"), "utf8")).toBe("got-term\n");
    const left = readdirSync("/proc").filter((d) => /^\d+$/.test(d)).filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, "latin1").includes(marker);
      } catch {
        return false;
      }
    });
    expect(left).toEqual([]);
  });
});

describe("choosing a level", () => {
  const probe = (avail: string[]) =>
    (["bwrap", "sandbox-exec", "user", "none"] as const).map((level) => ({ level, available: avail.includes(level) || level === "none", detail: `${level} detail` }));
  it("takes the strongest available unless one is asked for, and refuses an unavailable request with the reason", () => {
    expect(chooseIsolation(undefined, probe(["bwrap", "user"]))).toEqual({ level: "bwrap" });
    expect(chooseIsolation(undefined, probe(["user"]))).toEqual({ level: "user" });
    expect(chooseIsolation(undefined, probe([]))).toEqual({ level: "none" });
    expect(chooseIsolation("none", probe(["bwrap"]))).toEqual({ level: "none" });
    expect(chooseIsolation("sandbox-exec", probe(["bwrap"]))).toEqual({ error: "--isolation sandbox-exec: not available on this machine: sandbox-exec detail" });
  });

  it("probes this machine: bwrap is tried, not only looked up; user needs root and the user", () => {
    const here = probeIsolation({ env: process.env, jobUser: "fleet-job-not-here" });
    expect(here.map((x) => x.level)).toEqual(["bwrap", "sandbox-exec", "user", "none"]);
    const hasBwrap = (() => {
      try {
        execFileSync("bwrap", ["--version"]);
        return true;
      } catch {
        return false;
      }
    })();
    if (process.platform === "linux" && !hasBwrap) expect(here[0]!.detail).toMatch(/not found/);
    if (process.getuid?.() === 0) expect(here[2]).toMatchObject({ available: false, detail: expect.stringMatching(/no user "fleet-job-not-here"/) });
    expect(probeIsolation({ env: { PATH: "" } as unknown as NodeJS.ProcessEnv, jobUser: "x", platform: "linux", uid: 1000 })[0]).toMatchObject({ available: false, detail: expect.stringMatching(/apt-get install bubblewrap/) });
  });
});
