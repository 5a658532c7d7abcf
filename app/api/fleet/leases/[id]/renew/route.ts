import { renewRequest } from "@/lib/protocol";
import { renew } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const POST = route({
  access: "factory",
  body: renewRequest,
  handler: ({ services, principal, params, body }) => renew(services.ctx, principal.factoryId, params.id!, body.epoch),
});
