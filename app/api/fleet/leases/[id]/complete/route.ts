import { completeRequest } from "@/lib/protocol";
import { complete } from "@/server/coordinator";
import { LEASE_BODY_BYTES } from "@/lib/limits";
import { route } from "@/server/http/route";

import { completeAccepted, idParams } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const POST = route({
  method: "POST",
  path: "/leases/{id}/complete",
  access: "factory",
  // The agent splits batches at AGENT_BATCH_BYTES; one event alone may be larger (an inline artifact).
  maxBodyBytes: LEASE_BODY_BYTES,
  summary: "Report the attempt's result (fenced, once per epoch)",
  params: idParams,
  responses: { 200: json(completeAccepted, "The stage the job moved to") },
  errors: ["not_found", "lease_lost", "cancelled", "conflict", "illegal_transition"],
  body: completeRequest,
  handler: ({ services, principal, params, body }) => complete(services.ctx, principal.factoryId, params.id, body),
});
