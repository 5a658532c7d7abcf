import { heartbeatRequest } from "@/lib/protocol";
import { heartbeat } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { idParams } from "@/lib/api";
import { heartbeatResponse } from "@/lib/protocol";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const PUT = route({
  method: "PUT",
  path: "/factories/{id}/heartbeat",
  access: "factory",
  summary: "Heartbeat of that factory",
  params: idParams,
  responses: { 200: json(heartbeatResponse, "Drain, kill switch and leases to cancel") },
  errors: ["not_found", "conflict"],
  body: heartbeatRequest,
  handler: ({ services, params, principal, body }) => heartbeat(services.ctx, principal.factoryId, params.id, body),
});
