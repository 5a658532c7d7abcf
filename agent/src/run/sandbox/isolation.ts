/**
 * Isolation levels (`--isolation`, CONTRACT §3), strongest first, and how each wraps a job's
 * process (engine and verify alike). SECURITY.md says what each protects.
 *
 *   bwrap         Linux, Debian's bubblewrap: own PID namespace, read-only system, the agent's
 *                 files hidden, only the checkout and scratch writable (./bwrap.ts).
 *   sandbox-exec  macOS Seatbelt profile from the same plan (./seatbelt.ts).
 *   user          the job runs as a dedicated OS user (--job-user, default `fleet-job`; the agent
 *                 must be root): the agent's 0600 files and /proc entries are out of its reach.
 *   none          the job runs as the agent, sees what the agent sees. Only when asked for, and
 *                 the agent says so loudly at start and in every job's log.
 *
 * Without --isolation the strongest level that works HERE is used: bwrap is not only looked up
 * but tried once (a container without user namespaces has the binary and cannot use it).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { which } from "../../detect/which";
import { BWRAP_INFO_FD, bwrapArgs } from "./bwrap";
import type { AgentSecrets, SandboxPlan } from "./plan";
import { sandboxExecArgs } from "./seatbelt";

export const ISOLATION_LEVELS = ["bwrap", "sandbox-exec", "user", "none"] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];

export const NONE_WARNING =
  "warning: --isolation none: jobs run as this agent's user and can read everything it can (its factory token, /proc/<agent>/environ, the repository cache, other jobs' files). Use it only on a throwaway machine";

export interface JobUser {
  name: string;
  uid: number;
  gid: number;
}

export interface Isolation {
  level: IsolationLevel;
  /** `--job-network off`: loopback only (bwrap, sandbox-exec) */
  network: boolean;
  /** level `user` */
  jobUser?: JobUser;
  agent: AgentSecrets;
}

export interface LevelProbe {
  level: IsolationLevel;
  available: boolean;
  /** why not, or what was found */
  detail: string;
  /** level `user`: the job user found */
  user?: JobUser;
}

function lookupUser(name: string): JobUser | undefined {
  const id = (flag: string) => {
    const r = spawnSync("id", [flag, name], { encoding: "utf8", timeout: 5_000 });
    const n = Number(r.stdout?.trim());
    return r.status === 0 && Number.isInteger(n) ? n : undefined;
  };
  const uid = id("-u");
  const gid = id("-g");
  return uid !== undefined && gid !== undefined ? { name, uid, gid } : undefined;
}

/** What each level needs, checked on this machine now. */
export function probeIsolation(o: { env: NodeJS.ProcessEnv; jobUser: string; platform?: NodeJS.Platform; uid?: number }): LevelProbe[] {
  const platform = o.platform ?? process.platform;
  const uid = o.uid ?? process.getuid?.();
  const probes: LevelProbe[] = [];

  const bwrap = platform === "linux" ? which("bwrap", o.env) : undefined;
  if (!bwrap) probes.push({ level: "bwrap", available: false, detail: platform === "linux" ? "bwrap not found on PATH (Debian: apt-get install bubblewrap)" : "Linux only" });
  else {
    const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid", ...(uid === 0 ? ["--cap-drop", "ALL"] : []), "--die-with-parent", "--", "true"];
    const r = spawnSync(bwrap, args, { encoding: "utf8", timeout: 10_000 });
    probes.push(
      r.status === 0
        ? { level: "bwrap", available: true, detail: bwrap }
        : { level: "bwrap", available: false, detail: `${bwrap} cannot create a sandbox here: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(0, 300)}` },
    );
  }

  const seatbelt = platform === "darwin" && existsSync("/usr/bin/sandbox-exec");
  probes.push({ level: "sandbox-exec", available: seatbelt, detail: seatbelt ? "/usr/bin/sandbox-exec" : platform === "darwin" ? "/usr/bin/sandbox-exec not found" : "macOS only" });

  if (platform === "win32") probes.push({ level: "user", available: false, detail: "POSIX only" });
  else if (uid !== 0) probes.push({ level: "user", available: false, detail: "the agent must run as root to start jobs as another user" });
  else {
    const u = lookupUser(o.jobUser);
    probes.push(
      u && u.uid !== 0
        ? { level: "user", available: true, detail: `${u.name} (uid ${u.uid}, gid ${u.gid})`, user: u }
        : { level: "user", available: false, detail: u ? `--job-user ${o.jobUser} is root` : `no user "${o.jobUser}" (create it: useradd --system --no-create-home ${o.jobUser}; or pass --job-user NAME)` },
    );
  }
  probes.push({ level: "none", available: true, detail: "no isolation" });
  return probes;
}

/** The level to use: the one asked for (refused when it cannot work here), else the strongest available. */
export function chooseIsolation(requested: IsolationLevel | undefined, probes: LevelProbe[]): { level: IsolationLevel } | { error: string } {
  if (requested) {
    const p = probes.find((x) => x.level === requested);
    if (p?.available) return { level: requested };
    return { error: `--isolation ${requested}: not available on this machine: ${p?.detail ?? "unknown level"}` };
  }
  const best = probes.find((p) => p.available && p.level !== "none");
  return { level: best?.level ?? "none" };
}

export interface WrappedCommand {
  command: string;
  args: string[];
  /** bwrap reports its sandbox's PID 1 on fd 3 */
  infoFd?: boolean;
  uid?: number;
  gid?: number;
}

/** The process to spawn for `command args` at this level. */
export function wrapCommand(iso: Isolation, plan: SandboxPlan, command: string, args: string[]): WrappedCommand {
  switch (iso.level) {
    case "bwrap":
      return { command: "bwrap", args: bwrapArgs(plan, command, args, process.getuid?.() === 0), infoFd: true };
    case "sandbox-exec":
      return { command: "/usr/bin/sandbox-exec", args: sandboxExecArgs(plan, command, args) };
    case "user":
      return { command, args, uid: iso.jobUser!.uid, gid: iso.jobUser!.gid };
    case "none":
      return { command, args };
  }
}

export { BWRAP_INFO_FD };

/**
 * Before the job's first process: puts the engine's credential files where the job's HOME expects
 * them (bwrap: an empty mount point; sandbox-exec and none: a symlink to the original; user: a
 * private copy owned by the job user, who cannot read the agent's), and for `user` hands the
 * writable paths to the job user.
 */
export function prepareJobFiles(iso: Isolation, plan: SandboxPlan): void {
  for (const m of plan.mounts) {
    if (m.kind !== "ro" || !m.src || m.src === m.dest) continue;
    const isDir = statSync(m.src).isDirectory();
    mkdirSync(path.dirname(m.dest), { recursive: true });
    rmSync(m.dest, { recursive: true, force: true });
    if (iso.level === "bwrap") {
      if (isDir) mkdirSync(m.dest);
      else writeFileSync(m.dest, "");
    } else if (iso.level === "user") {
      if (isDir) cpSync(m.src, m.dest, { recursive: true, dereference: true });
      else copyFileSync(m.src, m.dest);
    } else {
      symlinkSync(m.src, m.dest);
    }
  }
  if (iso.level === "user" && iso.jobUser) {
    // What must stay read-only inside a writable path (a cwd repository's .git/config) stays the agent's.
    const keep = new Set(plan.mounts.filter((m) => m.kind === "ro" && !m.src).map((m) => m.dest));
    for (const w of plan.writable) chownTree(w, iso.jobUser.uid, iso.jobUser.gid, keep);
  }
}

function chownTree(p: string, uid: number, gid: number, keep: Set<string>): void {
  if (keep.has(p)) return;
  const st = lstatSync(p);
  if (st.isSymbolicLink()) return;
  chownSync(p, uid, gid);
  if (st.isDirectory()) {
    chmodSync(p, st.mode | 0o700);
    for (const e of readdirSync(p)) chownTree(path.join(p, e), uid, gid, keep);
  }
}
