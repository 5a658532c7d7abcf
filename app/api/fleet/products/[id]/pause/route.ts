import { productPauseRequest } from "@/lib/api/admin";
import { setProductPaused } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Per-product pause: no claim of this product's jobs while paused (admin). */
export const POST = route({
  access: "admin",
  body: productPauseRequest,
  handler: ({ services, params, body }) => setProductPaused(services.ctx, params.id!, body),
});
