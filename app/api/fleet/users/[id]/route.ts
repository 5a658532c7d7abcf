import { setUserRoleRequest } from "@/lib/api/users";
import { actorOf } from "@/server/auth/principal";
import { setUserRole } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { idParams, userView } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Changes a user's role (effective on their next request); 409 for demoting the last admin. */
export const PUT = route({
  method: "PUT",
  path: "/users/{id}",
  access: "admin",
  summary: "Change a user's role (next request); 409 for the last admin",
  params: idParams,
  responses: { 200: json(userView, "The user") },
  errors: ["not_found", "conflict"],
  body: setUserRoleRequest,
  handler: ({ services, params, body, principal }) => setUserRole(services.ctx, params.id, body.role, actorOf(principal)),
});
