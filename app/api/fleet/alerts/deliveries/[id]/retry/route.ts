import { retryDelivery } from "@/server/alerts";
import { FleetError } from "@/server/errors";
import { route } from "@/server/http/route";

import { deliveryRetryView, idParams } from "@/lib/api";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/** *Retry now* for an undelivered alert (given up or backing off); answers the delivery after the try. */
export const POST = route({
  method: "POST",
  path: "/alerts/deliveries/{id}/retry",
  access: "admin",
  summary: "Retry an undelivered alert now",
  params: idParams,
  responses: { 200: json(deliveryRetryView, "The delivery after the try") },
  errors: ["not_found"],
  handler: async ({ services, params }) => {
    const d = await retryDelivery(services.ctx, params.id);
    if (!d) throw new FleetError("not_found", "no such delivery");
    return { id: d.id, delivered: d.deliveredAt !== undefined, attempts: d.attempts, ...(d.lastError ? { lastError: d.lastError } : {}) };
  },
});
