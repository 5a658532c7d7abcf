import { setUserRoleRequest } from "@/lib/api/users";
import { actorOf } from "@/server/auth/principal";
import { setUserRole } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Changes a user's role (effective on their next request); 409 for demoting the last admin. */
export const PUT = route({
  access: "admin",
  body: setUserRoleRequest,
  handler: ({ services, params, body, principal }) => setUserRole(services.ctx, params.id!, body.role, actorOf(principal)),
});
