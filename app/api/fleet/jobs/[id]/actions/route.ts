import { jobActionRequest } from "@/lib/api/jobs";
import { actOnJob } from "@/server/coordinator";
import { actorOf } from "@/server/auth/principal";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** approve | ship | reject | requeue | cancel | pause | resume, through the stage machine (409 with the reason). */
export const POST = route({
  access: "operator",
  body: jobActionRequest,
  handler: ({ services, params, body, principal }) => actOnJob(services.ctx, params.id!, body.action, actorOf(principal), body.reason),
});
