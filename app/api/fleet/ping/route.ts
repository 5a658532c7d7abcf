import { pingView } from "@/lib/api/system";
import { route } from "@/server/http/route";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/** A no-op route: the baseline of the API benchmark (no auth, no store; the route builder's floor). */
export const GET = route({
  method: "GET",
  path: "/ping",
  access: "public",
  summary: "No-op baseline of the API benchmark",
  store: false,
  responses: { 200: json(pingView, "ok") },
  handler: () => ({ ok: true as const }),
});
