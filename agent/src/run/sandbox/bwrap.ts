/**
 * The bubblewrap command line for one job process (engine or verify), from a SandboxPlan. Pure:
 * what exists on disk is decided by the plan (./plan.ts), so this is unit-tested as text and the
 * real bwrap is driven by the sandbox tests.
 *
 * What the job gets:
 *   - its own PID namespace (and IPC, UTS, cgroup): `/proc` is the namespace's, so no
 *     `/proc/<agent pid>/environ` or `cmdline`; the sandbox's PID 1 is bwrap's reaper;
 *   - `--cap-drop ALL`: as root, bwrap otherwise leaves the job its capabilities (enough to unmount
 *     what hides the agent's files, or to write anywhere);
 *   - the whole file system read-only, then an empty tmpfs over each hidden directory (a hidden
 *     file gets /dev/null), then its checkout and scratch directory writable, its engine's
 *     credential files read-only. Mounts are applied parents first, so a deeper entry lands on top
 *     of a shallower one (the checkout inside the hidden --workdir stays visible, the agent's config
 *     directory inside a writable cwd stays hidden); the hidden tmpfs are then remounted read-only;
 *   - `--unshare-net` when the network is off (loopback only);
 *   - `--die-with-parent`: if the agent dies, so does the sandbox (no unsupervised orphans).
 * Not `--new-session`: the agent spawns bwrap detached (its own session, no controlling terminal,
 * so no TIOCSTI), and a new session would take the job out of the group the agent signals.
 * `--info-fd 3` reports the sandbox's PID 1 (outer pid), which the graceful stop needs
 * (../process-group.ts).
 */
import type { SandboxMount, SandboxPlan } from "./plan";

export const BWRAP_INFO_FD = 3;

const depth = (p: string) => p.split("/").filter(Boolean).length;

/** Mounts in the order bwrap must apply them: by depth of the target, ties in plan order. */
export function orderMounts(mounts: SandboxMount[]): SandboxMount[] {
  return mounts.map((m, i) => ({ m, i })).sort((a, b) => depth(a.m.dest) - depth(b.m.dest) || a.i - b.i).map((x) => x.m);
}

export function bwrapArgs(plan: SandboxPlan, command: string, args: string[], asRoot: boolean): string[] {
  const out = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  for (const m of orderMounts(plan.mounts)) {
    switch (m.kind) {
      case "hide-dir":
        out.push("--tmpfs", m.dest);
        break;
      case "hide-file":
        out.push("--ro-bind", "/dev/null", m.dest);
        break;
      case "ro":
        out.push("--ro-bind", m.src ?? m.dest, m.dest);
        break;
      case "rw":
        out.push("--bind", m.src ?? m.dest, m.dest);
        break;
    }
  }
  // Then every hidden tmpfs read-only: the mount points bwrap made in it for the deeper entries
  // (the path to the checkout, to the cache's objects) must not take a planted file either.
  for (const m of plan.mounts) if (m.kind === "hide-dir") out.push("--remount-ro", m.dest);
  out.push("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "fleet-job");
  if (!plan.network) out.push("--unshare-net");
  // As root there is no user namespace to confine the capabilities: drop them all.
  if (asRoot) out.push("--cap-drop", "ALL");
  out.push("--die-with-parent", "--info-fd", String(BWRAP_INFO_FD), "--chdir", plan.cwd, "--", command, ...args);
  return out;
}
