import { completeRequest } from "@/lib/protocol";
import { complete } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const POST = route({
  access: "factory",
  body: completeRequest,
  handler: ({ services, principal, params, body }) => complete(services.ctx, principal.factoryId, params.id!, body),
});
