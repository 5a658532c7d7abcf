import { agentEventsRequest } from "@/lib/protocol";
import { appendAgentEvents } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const POST = route({
  access: "factory",
  body: agentEventsRequest,
  handler: ({ services, principal, params, body }) => appendAgentEvents(services.ctx, principal.factoryId, params.id!, body),
});
