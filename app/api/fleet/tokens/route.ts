import { createApiTokenRequest } from "@/lib/api/admin";
import { createApiToken, listApiTokens } from "@/server/coordinator";
import { reply, route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "admin",
  handler: ({ services }) => listApiTokens(services.ctx),
});

/** Creates an API token; the token itself is in this response only. */
export const POST = route({
  access: "admin",
  body: createApiTokenRequest,
  handler: async ({ services, body }) => reply(201, await createApiToken(services.ctx, body)),
});
