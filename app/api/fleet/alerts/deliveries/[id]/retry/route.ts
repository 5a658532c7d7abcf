import { retryDelivery } from "@/server/alerts";
import { FleetError } from "@/server/http/errors";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** *Retry now* for an undelivered alert (given up or backing off); answers the delivery after the try. */
export const POST = route({
  access: "admin",
  handler: async ({ services, params }) => {
    const d = await retryDelivery(services.ctx, params.id!);
    if (!d) throw new FleetError("not_found", "no such delivery");
    return { id: d.id, delivered: d.deliveredAt !== undefined, attempts: d.attempts, ...(d.lastError ? { lastError: d.lastError } : {}) };
  },
});
