/**
 * The auto-QA gate: the manifest's `verify` command, run by a shell in the job's cwd (it IS a
 * shell command, written by the job's author; the prompt never goes near a shell). Own process
 * group, a timeout that ends the whole group, output kept (the tail) and redacted.
 */
import { redact } from "@/lib/secrets";
import { LIMITS, type VerifyReport } from "@/lib/protocol";
import { which } from "../detect/which";
import { OutputTail } from "./output-tail";
import { spawnInGroup } from "./process-group";

export async function runVerify(input: {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  graceMs: number;
  signal?: AbortSignal;
  /** the job's sandbox around the shell (./sandbox/isolation.ts) */
  wrap?: (command: string, args: string[]) => { command: string; args: string[]; infoFd?: boolean; uid?: number; gid?: number };
}): Promise<VerifyReport> {
  const shell = process.platform === "win32" ? "cmd.exe" : (which("bash", input.env) ?? "sh");
  const args = process.platform === "win32" ? ["/d", "/s", "/c", input.command] : ["-c", input.command];
  const tail = new OutputTail(LIMITS.verifyOutput - 200);
  let proc;
  try {
    const w = input.wrap ? input.wrap(shell, args) : { command: shell, args };
    proc = spawnInGroup(w.command, w.args, {
      cwd: input.cwd,
      env: input.env,
      ...("infoFd" in w && w.infoFd ? { infoFd: true } : {}),
      ...("uid" in w && w.uid !== undefined ? { uid: w.uid } : {}),
      ...("gid" in w && w.gid !== undefined ? { gid: w.gid } : {}),
    });
  } catch (e) {
    return { passed: false, exitCode: null, output: `verify could not start: ${(e as Error).message}` };
  }
  proc.child.stdout?.setEncoding("utf8").on("data", (d: string) => tail.push(d));
  proc.child.stderr?.setEncoding("utf8").on("data", (d: string) => tail.push(d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.terminate(input.graceMs);
  }, input.timeoutMs);
  const onAbort = () => void proc.terminate(input.graceMs);
  input.signal?.addEventListener("abort", onAbort, { once: true });
  let result: { code: number | null; signal: NodeJS.Signals | null };
  try {
    result = await proc.done;
  } catch (e) {
    result = { code: null, signal: null };
    tail.push(`\nverify could not start: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener("abort", onAbort);
  }
  if (timedOut) tail.push(`\n[fleet-agent] verify timed out after ${Math.round(input.timeoutMs / 1000)} s and was stopped`);
  const code = timedOut ? null : result.code;
  return { passed: code === 0, exitCode: code, output: redact(tail.text()).slice(-LIMITS.verifyOutput) };
}
