/**
 * Runs `<command> <args>` with a short timeout and returns its output, or undefined if it is
 * missing, hangs or fails. Used for `--version` probes, which all run in parallel at start.
 */
import type { Env } from "../version";
import { execFile } from "node:child_process";

export function probe(command: string, args: string[], timeoutMs: number, env: Env): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { timeout: timeoutMs, killSignal: "SIGKILL", env: env as NodeJS.ProcessEnv, windowsHide: true, maxBuffer: 256 * 1024 },
      (err, stdout, stderr) => {
        const out = `${stdout}\n${stderr}`.trim();
        // Some tools print their version and exit non-zero; keep any output we got, but not from a timeout.
        const code = (err as { code?: unknown } | null)?.code;
        // killed by the timeout, not found, or "command not found"/"not executable" from a wrapper script
        if (err && ((err as { killed?: boolean }).killed || code === "ENOENT" || code === 126 || code === 127)) resolve(undefined);
        else if (err && !out) resolve(undefined);
        else resolve(out);
      },
    );
  });
}

/** The first dotted version number in a tool's output: "git version 2.39.2" → "2.39.2". */
export function versionIn(text: string | undefined): string | undefined {
  const m = text?.match(/(\d+\.\d+(?:\.\d+){0,2})/) ?? text?.match(/\b(\d+)\b/);
  return m?.[1];
}
