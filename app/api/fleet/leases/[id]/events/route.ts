import { agentEventsRequest } from "@/lib/protocol";
import { appendAgentEvents } from "@/server/coordinator";
import { LEASE_BODY_BYTES } from "@/lib/limits";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const POST = route({
  access: "factory",
  // The agent splits batches at AGENT_BATCH_BYTES; one event alone may be larger (an inline artifact).
  maxBodyBytes: LEASE_BODY_BYTES,
  body: agentEventsRequest,
  handler: ({ services, principal, params, body }) => appendAgentEvents(services.ctx, principal.factoryId, params.id!, body),
});
