/** `git` as argv (never a shell string), with a timeout and the error's stderr in the message. */
import { execFile } from "node:child_process";

export function git(args: string[], cwd: string, timeoutMs = 120_000, maxBuffer = 64 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer,
        windowsHide: true,
        // Never stop to ask for credentials or an editor: the agent is unattended.
        env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_EDITOR: "true", GIT_ASKPASS: "" },
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.slice(0, 3).join(" ")}: ${String(stderr).trim() || err.message}`));
        else resolve(String(stdout));
      },
    );
  });
}

export async function isGitRepo(dir: string): Promise<boolean> {
  try {
    return (await git(["rev-parse", "--is-inside-work-tree"], dir, 10_000)).trim() === "true";
  } catch {
    return false;
  }
}

/** For commands whose non-zero exit is an answer, not a failure (`diff --no-index` exits 1 on a difference). */
export function gitOutput(args: string[], cwd: string, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (_err, stdout) =>
      resolve(String(stdout ?? "")),
    );
  });
}
