/**
 * Engines run in their own process group (spawned detached; on POSIX the group id is the child's
 * pid) so that a stop reaches everything they started: SIGTERM to the whole group, a grace period,
 * then SIGKILL to the whole group. The group is also swept after a normal exit, so a background
 * grandchild an engine left behind does not outlive the job. On Windows, `taskkill /T /F`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface GroupSpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** written then closed; undefined: stdin is /dev/null */
  stdin?: string;
  /** run as this user (isolation `user`; the agent must be root) */
  uid?: number;
  gid?: number;
  /**
   * The command is bwrap, which reports its sandbox's PID 1 (outer pid) as JSON on fd 3. A
   * graceful stop then sends SIGTERM to every process of that PID namespace but its PID 1 (a job
   * that left our group with setsid still gets it), never to bwrap itself: bwrap would end at once
   * and --die-with-parent would SIGKILL the job without its grace period. The SIGKILL that follows
   * goes to the sandbox's PID 1, which takes the whole namespace down, and to bwrap's group.
   */
  infoFd?: boolean;
}

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  /** resolves once the leader exited AND its stdout/stderr closed */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM the group, SIGKILL it after `graceMs`; resolves when the leader is gone */
  terminate(graceMs: number): Promise<void>;
}

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  // kill(-1) is every process we may signal, kill(-0) our own group: never a job's group.
  if (!Number.isSafeInteger(pid) || pid <= 1 || pid === process.pid) return;
  if (process.platform === "win32") {
    if (signal === "SIGKILL" || signal === "SIGTERM") spawnSync("taskkill", ["/pid", String(pid), "/T", "/F"], { windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}

/**
 * Whether the group led by `pgid` is an engine this agent started for `leaseId`: never the init
 * process, never our own group, and (Linux) a leader whose environment carries FLEET_LEASE_ID of
 * that lease. Elsewhere, without /proc, nothing is proven: the group is left alone.
 */
export function startedByUs(pgid: number, leaseId: string): boolean {
  if (!Number.isSafeInteger(pgid) || pgid <= 1 || pgid === process.pid) return false;
  if (process.platform !== "linux") return false;
  try {
    const environ = readFileSync(`/proc/${pgid}/environ`, "latin1").split("\0");
    return environ.includes(`FLEET_LEASE_ID=${leaseId}`);
  } catch {
    return false;
  }
}

/** Every process in the PID namespace whose init is `init` (outer pids), the init excepted. Linux only. */
export function namespaceMembers(init: number): number[] {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${init}/ns/pid`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    const p = Number(e);
    if (p === init || p === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${e}/ns/pid`) === ns) out.push(p);
    } catch {
      // exited, or not ours to look at
    }
  }
  return out;
}

export function groupAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false;
  try {
    process.kill(process.platform === "win32" ? pid : -pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function spawnInGroup(command: string, args: string[], opts: GroupSpawnOptions): GroupProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: opts.infoFd ? [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe", "pipe"] : [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    windowsHide: true,
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  let inner: number | undefined;
  if (opts.infoFd) {
    let info = "";
    const fd3 = child.stdio[3] as NodeJS.ReadableStream | null;
    fd3?.setEncoding("utf8");
    fd3?.on("data", (d: string) => {
      info += d;
      const m = /"child-pid"\s*:\s*(\d+)/.exec(info);
      if (m && inner === undefined) inner = Number(m[1]);
    });
    fd3?.on("error", () => {});
  }
  const signalJob = (signal: NodeJS.Signals) => {
    if (pid === undefined) return;
    // Once bwrap is gone its namespace is too, and the init's pid may already belong to another process.
    if (inner !== undefined && inner > 1 && !exited) {
      if (signal === "SIGKILL") {
        try {
          process.kill(inner, "SIGKILL");
        } catch {
          // already gone
        }
        signalGroup(pid, "SIGKILL");
      } else {
        for (const member of namespaceMembers(inner)) {
          try {
            process.kill(member, signal);
          } catch {
            // exited meanwhile
          }
        }
      }
      return;
    }
    signalGroup(pid, signal);
  };
  if (opts.stdin !== undefined && child.stdin) {
    child.stdin.on("error", () => {}); // EPIPE when the engine never reads its input
    child.stdin.end(opts.stdin);
  }
  const pid = child.pid;
  let exited = false;
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", (e) => reject(e));
    child.once("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  const done = exit.then(async (r) => {
    // Leftover group members would keep our pipes open (and run on unsupervised): end them.
    if (pid !== undefined) {
      signalJob("SIGTERM");
      signalJob("SIGKILL");
    }
    await closed;
    return r;
  });
  const terminate = async (graceMs: number) => {
    if (pid === undefined) return;
    signalJob("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      exit.catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    // Even if the leader obeyed, a member may have ignored SIGTERM.
    signalJob("SIGKILL");
    if (!exited) await exit.catch(() => undefined);
  };
  if (pid === undefined) {
    // spawn failed (ENOENT…): `error` fires; `done` rejects with it.
    return { child, pid: -1, done, terminate: async () => {} };
  }
  return { child, pid, done, terminate };
}
