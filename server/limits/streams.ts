import "server-only";
import type { Principal } from "@/server/auth/principal";
import type { RequestLimits } from "./index";

/** The key a stream cap counts under: the person or API token, whichever way they came in. */
export function streamKey(p: Extract<Principal, { kind: "person" }>): string {
  return `person:${p.id}`;
}

/**
 * Takes one of the caller's stream slots before an SSE stream opens (429 when none is free). The
 * route gives it back when its producer settles (`.finally(release)`), which sseResponse makes happen
 * on every exit path: client gone, error, server done.
 */
export function takeStreamSlot(limits: RequestLimits, p: Extract<Principal, { kind: "person" }>): () => void {
  return limits.streams.acquire(streamKey(p));
}
