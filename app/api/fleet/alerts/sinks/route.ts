import { alertSinksRequest } from "@/lib/api/operations";
import { actorOf } from "@/server/auth/principal";
import { saveAlertSinks } from "@/server/alerts";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Sets where alerts go (over the environment's sinks); "" clears a field back to its env value. */
export const PUT = route({
  access: "admin",
  body: alertSinksRequest,
  handler: ({ services, body, principal }) => saveAlertSinks(services.ctx, body, actorOf(principal)),
});
