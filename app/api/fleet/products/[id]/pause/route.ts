import { productPauseRequest } from "@/lib/api/admin";
import { setProductPaused } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { idParams, productPauseView } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Per-product pause: no claim of this product's jobs while paused (admin). */
export const POST = route({
  method: "POST",
  path: "/products/{id}/pause",
  access: "admin",
  summary: "Pause (or resume) claims of one product's jobs; running work finishes",
  params: idParams,
  responses: { 200: json(productPauseView, "The product's pause") },
  body: productPauseRequest,
  handler: ({ services, params, body }) => setProductPaused(services.ctx, params.id, body),
});
