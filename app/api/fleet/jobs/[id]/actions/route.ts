import { jobActionRequest } from "@/lib/api/jobs";
import { actOnJob } from "@/server/coordinator";
import { actorOf } from "@/server/auth/principal";
import { route } from "@/server/http/route";

import { idParams, jobView } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/**
 * approve | ship | reject | requeue | cancel | pause | resume, through the stage machine and the
 * gates (409 with the reason: illegal_transition, scope_violation, approval_required, budget_exceeded).
 */
export const POST = route({
  method: "POST",
  path: "/jobs/{id}/actions",
  access: "operator",
  summary: "approve, ship, reject, requeue, cancel, pause, resume, request_changes",
  params: idParams,
  responses: { 200: json(jobView, "The job after the action") },
  errors: ["not_found", "illegal_transition", "scope_violation", "approval_required", "budget_exceeded", "conflict"],
  body: jobActionRequest,
  handler: ({ services, params, body, principal }) => actOnJob(services.ctx, params.id, body, { id: actorOf(principal), role: principal.role }),
});
