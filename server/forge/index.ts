import "server-only";
import { KNOWN_FORGE_HOSTS } from "@/lib/delivery";
import { plainGit } from "./plain-git";
import type { ForgeAdapter, ForgeConfig } from "./port";

export type { ForgeAdapter, ForgeConfig, ForgePullRequest, MergeMethod, PullRequestPort, ShipPlan } from "./port";
export { ForgeError, isForgeError } from "./port";
export { plainGit } from "./plain-git";

/** The forge configuration: the known hosts (plus a GitHub Enterprise host from GITHUB_API_URL) and the adapters, plain git last. */
export function forgeConfig(opts: { githubApiUrl?: string; adapters?: readonly ForgeAdapter[]; pollMs?: number; publicUrl?: string; protectedBranches?: readonly string[] } = {}): ForgeConfig {
  const hosts: string[] = [...KNOWN_FORGE_HOSTS];
  let webHost: string | undefined;
  if (opts.githubApiUrl) {
    const api = new URL(opts.githubApiUrl);
    const host = api.hostname.toLowerCase();
    // api.github.com is github.com's API; any other host is a GitHub Enterprise server.
    if (host !== "api.github.com") {
      if (!hosts.includes(host)) hosts.push(host);
      webHost = api.host.toLowerCase();
    }
  }
  return {
    hosts,
    ...(webHost ? { webHost } : {}),
    adapters: [...(opts.adapters ?? []), plainGit],
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs, pollClock: { lastScanAt: Number.NEGATIVE_INFINITY } } : {}),
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
    ...(opts.protectedBranches?.length ? { protectedBranches: [...opts.protectedBranches] } : {}),
  };
}

export const DEFAULT_FORGE: ForgeConfig = forgeConfig();

/** The adapter that delivers jobs on `repo`: the first that serves it (plain git serves all). */
export function forgeFor(config: ForgeConfig, repo: string): ForgeAdapter {
  return config.adapters.find((a) => a.serves(repo)) ?? plainGit;
}
