import { revokeApiToken } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Revokes an API token (idempotent). */
export const DELETE = route({
  access: "admin",
  handler: ({ services, params }) => revokeApiToken(services.ctx, params.id!),
});
