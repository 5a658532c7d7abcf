/**
 * Engines run in their own process group (spawned detached; on POSIX the group id is the child's
 * pid) so that a stop reaches everything they started: SIGTERM to the whole group, a grace period,
 * then SIGKILL to the whole group. The group is also swept after a normal exit, so a background
 * grandchild an engine left behind does not outlive the job. On Windows, `taskkill /T /F`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";

export interface GroupSpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** written then closed; undefined: stdin is /dev/null */
  stdin?: string;
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

export function groupAlive(pid: number): boolean {
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
    stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    windowsHide: true,
  });
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
      signalGroup(pid, "SIGTERM");
      signalGroup(pid, "SIGKILL");
    }
    await closed;
    return r;
  });
  const terminate = async (graceMs: number) => {
    if (pid === undefined) return;
    signalGroup(pid, "SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      exit.catch(() => undefined),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    clearTimeout(timer);
    // Even if the leader obeyed, a member may have ignored SIGTERM.
    signalGroup(pid, "SIGKILL");
    if (!exited) await exit.catch(() => undefined);
  };
  if (pid === undefined) {
    // spawn failed (ENOENT…): `error` fires; `done` rejects with it.
    return { child, pid: -1, done, terminate: async () => {} };
  }
  return { child, pid, done, terminate };
}
