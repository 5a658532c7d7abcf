import "server-only";
import type { TrackerPort } from "./port";

/**
 * The trackers the coordinator talks to (built in server/wiring.ts from the coordinator's
 * settings: GITHUB_TOKEN for GitHub Issues, LINEAR_API_KEY for Linear). The credentials stay
 * inside each port; nothing here is shown but "set".
 */
export interface TrackerConfig {
  ports: TrackerPort[];
  /** logins of our own bot (the token's user): events they author are ignored, so write-backs never loop */
  botLogins: string[];
  /** the mention that turns an item comment into a follow-up prompt (`@gigafactory`) */
  mention: string;
  /** poller fallback: `owner/repo` scopes listed every `pollMs` (0: off) */
  pollRepos: string[];
  pollMs: number;
  /** where job links in comments point */
  publicUrl: string;
  /** the poller's state, per scope (in the context, rebuilt on restart: a lost cursor re-reads, and import is idempotent) */
  poll: Map<string, PollState>;
}

/** One poll scope's state (the Admin page may show it: last poll, last error, rate-limited until). */
export interface PollState {
  cursor?: string;
  /** when the scope was last listed (or tried) */
  lastAt?: number;
  /** when a list last succeeded (kept through refusals: the Admin page's "last sync") */
  lastOkAt?: number;
  /** the last list answered 304: nothing changed */
  notModified?: boolean;
  /** rate-limited: the scope is not listed before this (the tracker's reset time) */
  retryAt?: number;
  lastError?: string;
}

export function trackerFor(config: TrackerConfig | undefined, itemId: string): TrackerPort | undefined {
  return config?.ports.find((p) => p.serves(itemId));
}
