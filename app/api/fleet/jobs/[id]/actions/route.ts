import { jobActionRequest } from "@/lib/api/jobs";
import { actOnJob } from "@/server/coordinator";
import { actorOf } from "@/server/auth/principal";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/**
 * approve | ship | reject | requeue | cancel | pause | resume, through the stage machine and the
 * gates (409 with the reason: illegal_transition, scope_violation, approval_required, budget_exceeded).
 */
export const POST = route({
  access: "operator",
  body: jobActionRequest,
  handler: ({ services, params, body, principal }) => actOnJob(services.ctx, params.id!, body, { id: actorOf(principal), role: principal.role }),
});
