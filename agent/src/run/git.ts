/**
 * The agent's own `git`: argv (never a shell string), a timeout, the error's stderr in the message,
 * and hardened against repositories a job could have touched:
 *   - hooks off (`core.hooksPath=/dev/null`), no fsmonitor, no untracked cache daemon, no external
 *     diff or textconv (callers pass --no-ext-diff/--no-textconv), no pager;
 *   - protocols allowlisted: https, ssh, git and local paths (`file`); `ext::` and the rest never;
 *   - no system or global config (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null) and a minimal
 *     environment (no GIT_* from the agent's, no credentials but the SSH agent socket);
 *   - never prompts (unattended): no terminal, no askpass, no editor.
 * The job's checkout has its own `.git`, which the job controls; the agent reads results from it
 * only with `fetch` (upload-pack ignores a repository's own hook settings) and works on them in
 * the repository cache, whose config only the agent writes.
 */
import { execFile } from "node:child_process";

export const HARDENED_CONFIG = [
  "core.hooksPath=/dev/null",
  "core.fsmonitor=false",
  "core.untrackedCache=false",
  "core.pager=cat",
  "core.askPass=",
  "protocol.allow=never",
  "protocol.https.allow=always",
  "protocol.http.allow=always",
  "protocol.ssh.allow=always",
  "protocol.git.allow=always",
  "protocol.file.allow=always",
  "submodule.recurse=false",
  "uploadpack.allowAnySHA1InWant=false",
  "safe.directory=*",
];

const PASS = ["PATH", "HOME", "LANG", "TZ", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "ALL_PROXY", "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "GIT_SSL_CAINFO", "SYSTEMROOT", "SystemRoot", "COMSPEC", "PATHEXT", "WINDIR", "Path"];

export function gitEnv(extra: Record<string, string> = {}, userConfig = false): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {};
  for (const k of PASS) if (process.env[k] !== undefined) env[k] = process.env[k];
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: "1",
    ...(userConfig ? {} : { GIT_CONFIG_GLOBAL: "/dev/null" }),
    GIT_TERMINAL_PROMPT: "0",
    GIT_EDITOR: "true",
    GIT_ASKPASS: "",
    SSH_ASKPASS: "",
    GIT_PROTOCOL_FROM_USER: "0",
    GIT_NO_REPLACE_OBJECTS: "1",
    ...extra,
  } as unknown as NodeJS.ProcessEnv;
}

export const hardened = (args: string[]) => [...HARDENED_CONFIG.flatMap((c) => ["-c", c]), ...args];

export function git(args: string[], cwd: string, timeoutMs = 120_000, maxBuffer = 64 * 1024 * 1024, extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", hardened(args), { cwd, timeout: timeoutMs, maxBuffer, windowsHide: true, env: gitEnv(extraEnv) }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.slice(0, 3).join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/**
 * Clone/fetch from the job's upstream: the same hardening, but the factory owner's own global
 * config is read, because that is where their credential helper and URL rewrites for private
 * repositories live (trusted: no job can write it under bwrap, sandbox-exec or user isolation).
 */
export function gitNetwork(args: string[], cwd: string, timeoutMs: number, extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", hardened(args), { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, windowsHide: true, env: gitEnv(extraEnv, true) }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.slice(0, 3).join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
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
export function gitOutput(args: string[], cwd: string, timeoutMs = 60_000, extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    execFile("git", hardened(args), { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true, env: gitEnv(extraEnv) }, (_err, stdout) =>
      resolve(String(stdout ?? "")),
    );
  });
}
