/**
 * What the UI reads from `/api/fleet/*` (CONTRACT §2). The shapes come from the coordinator's zod
 * schemas in lib/api (one schema, two transports); this module adds the UI's own views of loosely
 * typed parts (the scheduler decision, runs, stats) and the time helper, because the API sends ISO
 * strings while the pages compute ages.
 */
import type { z } from "zod";
import type { alertView, dagView, JobView } from "../api";

// the same types the server's views are declared with (server/coordinator/views.ts)
export type { EventView, FactoryView, JobView, Role } from "../api";
export type DagView = z.infer<typeof dagView>;

export interface JobsPage {
  items: JobView[];
  nextCursor?: string;
}

/** Milliseconds since the epoch from an ISO string or a number (both appear in the API). */
export function toMs(t: string | number | undefined): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t === "number") return t;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An open alert in `GET /stats` (lib/api/admin.ts alertView): `subject` is a job id, a factory id, or a product. */
export type AlertView = z.infer<typeof alertView>;

export interface KillSwitchState {
  on: boolean;
  reason?: string;
  by?: string;
  at?: string | number;
}
