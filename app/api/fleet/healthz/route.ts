import { route, reply } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Liveness plus store reachability: 503 when the store does not answer. */
export const GET = route({
  access: "public",
  handler: async ({ services }) => {
    const started = Date.now();
    try {
      await services.store.getSettings();
    } catch {
      return reply(503, { ok: false, store: "unreachable" }, { "retry-after": "5" });
    }
    return { ok: true, store: services.store.kind, storeMs: Date.now() - started };
  },
});
