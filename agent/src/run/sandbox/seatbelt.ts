/**
 * The macOS Seatbelt profile (`sandbox-exec -p PROFILE command…`) for one job, generated from the
 * same SandboxPlan as bwrap's mounts. It cannot run on Linux, so its text is what the tests check.
 * SBPL applies the LAST matching rule, so the order below is the policy:
 *   1. allow by default (a CLI touches far more of macOS than we could list), but deny every write;
 *   2. the plan's entries parents first, exactly as bwrap mounts them: a hidden directory or file
 *      is denied reading and writing, a read-only one allowed reading and denied writing, a
 *      writable one allowed both; so the checkout inside the hidden --workdir is usable and the
 *      agent's config inside a writable cwd stays hidden;
 *   3. writes to the devices a shell needs;
 *   4. no inspecting or signalling other processes (the agent's environment and argv);
 *   5. with the network off, outbound only to loopback and local sockets.
 */
import { orderMounts } from "./bwrap";
import type { SandboxPlan } from "./plan";

/** An SBPL string literal. */
export function sbplString(s: string): string {
  if (/[\0\n\r]/.test(s)) throw new Error(`sandbox-exec: path ${JSON.stringify(s)} has a control character`);
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function seatbeltProfile(plan: SandboxPlan): string {
  const lines = ["(version 1)", "(allow default)", "(deny file-write*)"];
  for (const m of orderMounts(plan.mounts)) {
    const target = m.kind === "hide-file" ? `(literal ${sbplString(m.dest)})` : `(subpath ${sbplString(m.src ?? m.dest)})`;
    switch (m.kind) {
      case "hide-dir":
      case "hide-file":
        lines.push(`(deny file-read* file-write* ${target})`);
        break;
      case "ro":
        // writes denied again: a read-only entry may sit inside a writable one (a cwd's .git/config)
        lines.push(`(allow file-read* ${target})`, `(deny file-write* ${target})`);
        break;
      case "rw":
        lines.push(`(allow file-read* file-write* ${target})`);
        break;
    }
  }
  lines.push('(allow file-write* (literal "/dev/null") (literal "/dev/tty") (literal "/dev/dtracehelper") (regex #"^/dev/fd/"))');
  lines.push("(deny process-info* (target others))", "(deny signal (target others))");
  if (!plan.network) lines.push("(deny network-outbound)", '(allow network-outbound (remote ip "localhost:*") (remote unix-socket))');
  return lines.join("\n") + "\n";
}

export function sandboxExecArgs(plan: SandboxPlan, command: string, args: string[]): string[] {
  return ["-p", seatbeltProfile(plan), command, ...args];
}
