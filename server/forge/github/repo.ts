import "server-only";
import type { GithubRepoRef } from "./port";

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * owner/repo of a job's repository when it lives on `host` (github.com or a GitHub Enterprise host):
 * https://host/owner/repo(.git), ssh://git@host/owner/repo.git or git@host:owner/repo.git. undefined
 * for any other host or shape, so the forge port falls through to plain git.
 */
export function githubRepoRef(repo: string, host: string): GithubRepoRef | undefined {
  const h = host.toLowerCase();
  let path: string | undefined;
  const scp = /^[\w.-]+@([^:/]+):(.+)$/.exec(repo);
  if (scp) {
    if (scp[1]!.toLowerCase() === h) path = scp[2];
  } else {
    let url: URL;
    try {
      url = new URL(repo);
    } catch {
      return undefined;
    }
    if (!["https:", "http:", "ssh:"].includes(url.protocol) || url.hostname.toLowerCase() !== h) return undefined;
    path = url.pathname.replace(/^\//, "");
  }
  const parts = path?.replace(/\/$/, "").replace(/\.git$/, "").split("/");
  if (!parts || parts.length !== 2 || !NAME.test(parts[0]!) || !NAME.test(parts[1]!)) return undefined;
  return { owner: parts[0]!, repo: parts[1]! };
}

/** The web host of a GitHub API base URL: api.github.com → github.com, https://ghe.example/api/v3 → ghe.example. */
export function githubWebHost(apiBaseUrl: string): string {
  const host = new URL(apiBaseUrl).hostname.toLowerCase();
  return host === "api.github.com" ? "github.com" : host;
}
