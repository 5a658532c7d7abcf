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
  poll: Map<string, { cursor?: string; lastAt?: number; lastError?: string }>;
}

export function trackerFor(config: TrackerConfig | undefined, itemId: string): TrackerPort | undefined {
  return config?.ports.find((p) => p.serves(itemId));
}
