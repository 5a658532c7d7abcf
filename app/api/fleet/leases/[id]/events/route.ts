import { agentEventsRequest } from "@/lib/protocol";
import { appendAgentEvents } from "@/server/coordinator";
import { LEASE_BODY_BYTES } from "@/lib/limits";
import { route } from "@/server/http/route";

import { agentEventsAccepted, idParams } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const POST = route({
  method: "POST",
  path: "/leases/{id}/events",
  access: "factory",
  // The agent splits batches at AGENT_BATCH_BYTES; one event alone may be larger (an inline artifact).
  maxBodyBytes: LEASE_BODY_BYTES,
  summary: "Append agent events (fenced, idempotent on seq)",
  params: idParams,
  responses: { 200: json(agentEventsAccepted, "Accepted") },
  errors: ["not_found", "lease_lost", "cancelled", "conflict", "illegal_transition"],
  body: agentEventsRequest,
  handler: ({ services, principal, params, body }) => appendAgentEvents(services.ctx, principal.factoryId, params.id, body),
});
