import { heartbeatRequest } from "@/lib/protocol";
import { heartbeat } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const PUT = route({
  access: "factory",
  body: heartbeatRequest,
  handler: ({ services, params, principal, body }) => heartbeat(services.ctx, principal.factoryId, params.id!, body),
});
