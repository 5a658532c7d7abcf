import { completeRequest } from "@/lib/protocol";
import { complete } from "@/server/coordinator";
import { LEASE_BODY_BYTES } from "@/lib/limits";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const POST = route({
  access: "factory",
  // The agent splits batches at AGENT_BATCH_BYTES; one event alone may be larger (an inline artifact).
  maxBodyBytes: LEASE_BODY_BYTES,
  body: completeRequest,
  handler: ({ services, principal, params, body }) => complete(services.ctx, principal.factoryId, params.id!, body),
});
