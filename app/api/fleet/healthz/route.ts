import { route, reply } from "@/server/http/route";

import { healthDownView, healthView } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Liveness plus store reachability: 503 when the store does not answer. */
export const GET = route({
  method: "GET",
  path: "/healthz",
  access: "public",
  summary: "Liveness and store reachability (503 when the store is down)",
  responses: { 200: json(healthView, "Up"), 503: json(healthDownView, "The store does not answer (Retry-After)") },
  handler: async ({ services }) => {
    const started = Date.now();
    try {
      await services.store.getSettings();
    } catch {
      return reply(503, { ok: false as const, store: "unreachable" as const }, { "retry-after": "5" });
    }
    return { ok: true, store: services.store.kind, storeMs: Date.now() - started };
  },
});
