import { revokeFactory } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { factoryView, idParams } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Revokes the factory's token for good and returns its running work to the queue. */
export const POST = route({
  method: "POST",
  path: "/factories/{id}/revoke",
  access: "admin",
  summary: "Revoke the factory's token; its work returns to the queue",
  params: idParams,
  responses: { 200: json(factoryView, "The factory") },
  errors: ["not_found", "conflict", "illegal_transition"],
  handler: ({ services, params }) => revokeFactory(services.ctx, params.id),
});
