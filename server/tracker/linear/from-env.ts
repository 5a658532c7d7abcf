import "server-only";
import type { Env } from "@/server/env";
import { linearTracker, type LinearTrackerPort } from "./adapter";

/**
 * The Linear adapter from the coordinator's settings, or undefined when LINEAR_API_KEY is unset.
 * Built per call (an SDK client is a few objects, no connection): nothing is kept in module state.
 */
export function linearTrackerFromEnv(env: Env): LinearTrackerPort | undefined {
  if (!env.LINEAR_API_KEY) return undefined;
  return linearTracker({ apiKey: env.LINEAR_API_KEY, apiUrl: env.LINEAR_API_URL, repos: env.FLEET_LINEAR_REPOS, label: env.FLEET_LINEAR_LABEL });
}
