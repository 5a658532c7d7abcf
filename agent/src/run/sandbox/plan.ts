/**
 * What a job's sandbox shows, whatever enforces it (bwrap mounts, a Seatbelt profile, file
 * ownership for `user`): which paths are hidden, which writable, which read-only. Built once per
 * job from what the agent knows about itself (its home, config/state directory, --workdir, the
 * data directory of a coordinator on the same machine, the token file) and what the job needs
 * (its checkout, its scratch HOME/TMPDIR, the cache objects its repository borrows, its engine's
 * credential files).
 *
 * Rules:
 *   - hidden: the agent's home, state directory, --workdir, FLEET_DATA_DIR, the token file, the
 *     shared temp directories (other jobs' scratch, sockets) and /run (the Docker socket lives
 *     there). Only paths that exist are listed (bwrap cannot mount over nothing).
 *   - shown again, read-only: the directories of PATH and of the engine's binary that live in the
 *     agent's home (a CLI installed in ~/.local keeps working), /etc/resolv.conf's target.
 *   - writable: the checkout (or the manifest's `cwd`) and the job's scratch directory. A `cwd`
 *     inside a hidden directory, or `/` and the system directories, is refused.
 *   - the engine's credential files (adapters declare them, relative to HOME) are bound
 *     read-only at the same place in the scratch HOME; nothing of another engine is.
 */
import { existsSync, realpathSync, statSync } from "node:fs";
import path from "node:path";

export interface SandboxMount {
  kind: "hide-dir" | "hide-file" | "ro" | "rw";
  dest: string;
  /** bound from here (defaults to dest) */
  src?: string;
}

export interface SandboxPlan {
  cwd: string;
  network: boolean;
  mounts: SandboxMount[];
  /** the paths the job may write (for `user`: chowned to the job user; for sandbox-exec: allowed) */
  writable: string[];
  /** hidden paths (for sandbox-exec: denied) */
  hidden: string[];
  /** read-only paths made visible (for sandbox-exec: allowed to read) */
  readable: string[];
}

export class SandboxRefusal extends Error {
  override name = "SandboxRefusal";
}

/** What the agent knows about the secrets it must keep from jobs. */
export interface AgentSecrets {
  home: string;
  stateDir: string;
  workdir: string;
  /** FLEET_DATA_DIR of a coordinator on this machine (npm start sets it) */
  dataDir?: string;
  /** --token-file */
  tokenFile?: string;
  tmpDirs: string[];
}

export interface JobPaths {
  cwd: string;
  /**
   * The writable path is the manifest's own `cwd` (a directory of the factory's), not a checkout
   * or scratch directory the agent made under --workdir: only then is it checked against the
   * agent's files (the agent's checkouts live inside the hidden --workdir, and under `npm start`
   * inside the data directory, by design).
   */
  manifestCwd?: boolean;
  /** the checkout root, or the cwd itself */
  writable: string[];
  /** the job's scratch directory (holds HOME and TMPDIR) */
  scratch: string;
  /** the job's HOME inside the scratch */
  home: string;
  /** read-only paths the job's own git needs (the cache's objects) */
  readOnly: string[];
  /** the engine's credential files, relative to HOME */
  credentialFiles: string[];
  /** the engine's resolved binary */
  command?: string;
  pathEnv?: string;
}

const SYSTEM = ["/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc", "/sbin", "/sys", "/usr", "/var"];

export const isInside = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The first directory below `home` on the way to `p` (~/.local for ~/.local/bin/claude). */
function topUnder(home: string, p: string): string | undefined {
  if (!isInside(home, p) || p === home) return undefined;
  const first = path.relative(home, p).split(path.sep)[0];
  return first ? path.join(home, first) : undefined;
}

export function planSandbox(agent: AgentSecrets, job: JobPaths, network: boolean): SandboxPlan {
  const hiddenDirs = new Set<string>();
  const hiddenFiles = new Set<string>();
  const hide = (p: string | undefined) => {
    if (!p) return;
    for (const q of new Set([path.resolve(p), real(p)])) {
      if (!existsSync(q)) continue;
      if (statSync(q).isDirectory()) hiddenDirs.add(q);
      else hiddenFiles.add(q);
    }
  };
  // A service user's home may be `/` or a system directory: never hide those wholesale.
  if (!SYSTEM.includes(path.resolve(agent.home))) hide(agent.home);
  hide(agent.stateDir);
  hide(agent.workdir);
  hide(agent.dataDir);
  hide(agent.tokenFile);
  for (const t of agent.tmpDirs) hide(t);
  hide("/run");

  const writable = job.writable.map((w) => real(w));
  for (const w of job.manifestCwd ? writable : []) {
    if (SYSTEM.includes(w)) throw new SandboxRefusal(`cwd "${w}" is a system directory: a job may not write there`);
    for (const h of [agent.stateDir, agent.dataDir, agent.tokenFile, agent.workdir].filter((x): x is string => !!x).map(real)) {
      if (isInside(h, w)) throw new SandboxRefusal(`cwd "${w}" is inside the agent's own files (${h}): refused`);
    }
    for (const h of hiddenDirs) {
      if (w === h) throw new SandboxRefusal(`cwd "${w}" is a directory the sandbox hides from jobs: refused`);
    }
  }

  const mounts: SandboxMount[] = [];
  for (const d of hiddenDirs) mounts.push({ kind: "hide-dir", dest: d });
  for (const f of hiddenFiles) mounts.push({ kind: "hide-file", dest: f });

  // Shown again read-only: programs installed under the agent's home, and the resolver config.
  const readable = new Set<string>();
  const home = real(agent.home);
  for (const dir of (job.pathEnv ?? "").split(path.delimiter).filter((d) => path.isAbsolute(d))) {
    const top = topUnder(home, real(dir));
    if (top && existsSync(top)) readable.add(top);
  }
  if (job.command) {
    const top = topUnder(home, real(job.command));
    if (top) readable.add(top);
  }
  const resolv = real("/etc/resolv.conf");
  if (resolv !== "/etc/resolv.conf" && existsSync(resolv)) readable.add(resolv);
  for (const r of job.readOnly) if (existsSync(r)) readable.add(real(r));
  for (const r of readable) mounts.push({ kind: "ro", dest: r });

  for (const w of [...writable, real(job.scratch)]) mounts.push({ kind: "rw", dest: w });

  // The engine's sign-in, read-only, where the engine looks for it in its scratch HOME
  // (./isolation.ts puts a mount point, a symlink or a copy there, as the level needs).
  for (const rel of job.credentialFiles) {
    if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes("..")) continue;
    const src = path.join(agent.home, rel);
    if (!existsSync(src)) continue;
    mounts.push({ kind: "ro", src: real(src), dest: path.join(job.home, rel) });
    readable.add(real(src));
  }
  return {
    cwd: job.cwd,
    network,
    mounts,
    writable: [...writable, real(job.scratch)],
    hidden: [...hiddenDirs, ...hiddenFiles],
    readable: [...readable],
  };
}
