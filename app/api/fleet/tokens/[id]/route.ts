import { revokeApiToken } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { apiTokenView, idParams } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Revokes an API token (idempotent). */
export const DELETE = route({
  method: "DELETE",
  path: "/tokens/{id}",
  access: "admin",
  summary: "Revoke an API token (idempotent)",
  params: idParams,
  responses: { 200: json(apiTokenView, "The revoked token") },
  errors: ["not_found"],
  handler: ({ services, params }) => revokeApiToken(services.ctx, params.id),
});
