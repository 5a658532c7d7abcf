import { claimRequest } from "@/lib/protocol";
import { claim } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Long poll: 200 with a lease the moment a suitable job is queued, 204 after `waitMs`. */
export const POST = route({
  access: "factory",
  body: claimRequest,
  handler: ({ services, principal, body, req }) => claim(services.ctx, principal.factory, body, req.signal),
});
