import "server-only";
import type { Env } from "@/server/env";
import { RateWindow } from "./rate-window";
import { SlotLimiter } from "./slots";

/**
 * The abuse limits of issue 14 §7 that live in the HTTP layer, one set per process (built in
 * server/wiring.ts from the settings): open SSE streams per principal, concurrent long polls per
 * factory, registrations per enrollment token.
 */
export interface RequestLimits {
  streams: SlotLimiter;
  claims: SlotLimiter;
  registrations: RateWindow;
}

export function buildRequestLimits(e: Env, now: () => number = Date.now): RequestLimits {
  return {
    streams: new SlotLimiter(e.FLEET_MAX_STREAMS_PER_PRINCIPAL, "open event streams for this caller", 5_000),
    claims: new SlotLimiter(e.FLEET_MAX_CLAIMS_PER_FACTORY, "concurrent claims (long polls) by this factory", 1_000),
    registrations: new RateWindow(e.FLEET_REGISTRATIONS_PER_MINUTE, 60_000, "registrations with this enrollment token", now),
  };
}
