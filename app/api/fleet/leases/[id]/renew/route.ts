import { renewRequest } from "@/lib/protocol";
import { renew } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { idParams } from "@/lib/api";
import { renewResponse } from "@/lib/protocol";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const POST = route({
  method: "POST",
  path: "/leases/{id}/renew",
  access: "factory",
  summary: "Renew a lease (fenced by epoch)",
  params: idParams,
  responses: { 200: json(renewResponse, "The new deadline") },
  errors: ["not_found", "lease_lost", "cancelled", "conflict", "illegal_transition"],
  body: renewRequest,
  handler: ({ services, principal, params, body }) => renew(services.ctx, principal.factoryId, params.id, body.epoch),
});
