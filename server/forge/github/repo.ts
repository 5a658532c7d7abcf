import "server-only";
import type { ForgeRepoRef } from "../port";

const NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * owner/repo of a job's repository when it lives on `host` (github.com or a GitHub Enterprise host):
 * https://host/owner/repo(.git), ssh://git@host/owner/repo.git or git@host:owner/repo.git. undefined
 * for any other host or shape, so the forge port falls through to plain git.
 */
export function githubRepoRef(repo: string, host: string): ForgeRepoRef | undefined {
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
    if (!["https:", "http:", "ssh:"].includes(url.protocol) || !sameHost(url, h)) return undefined;
    path = url.pathname.replace(/^\//, "");
  }
  const parts = path?.replace(/\/$/, "").replace(/\.git$/, "").split("/");
  if (!parts || parts.length !== 2 || !NAME.test(parts[0]!) || !NAME.test(parts[1]!)) return undefined;
  return { owner: parts[0]!, repo: parts[1]! };
}

/**
 * A host with a port (a GHE server on :8443, a test double on 127.0.0.1:PORT) matches only that
 * port; a bare host name matches the URL's host whatever its port (ssh://git@host:22/…).
 */
function sameHost(url: URL, host: string): boolean {
  return host.includes(":") ? url.host.toLowerCase() === host : url.hostname.toLowerCase() === host;
}

/**
 * The web host of a GitHub API base URL: api.github.com → github.com, https://ghe.example/api/v3 →
 * ghe.example; a port stays (http://127.0.0.1:4000 → 127.0.0.1:4000, where its git is served too).
 */
export function githubWebHost(apiBaseUrl: string): string {
  const url = new URL(apiBaseUrl);
  const host = url.hostname.toLowerCase();
  if (host === "api.github.com") return "github.com";
  return url.port ? `${host}:${url.port}` : host;
}
