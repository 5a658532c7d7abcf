import { createApiTokenRequest } from "@/lib/api/admin";
import { createApiToken, listApiTokens } from "@/server/coordinator";
import { reply, route } from "@/server/http/route";

import { apiTokenList, createdApiToken } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/tokens",
  access: "admin",
  summary: "API tokens",
  responses: { 200: json(apiTokenList, "API tokens (never the secrets)") },
  handler: ({ services }) => listApiTokens(services.ctx),
});

/** Creates an API token; the token itself is in this response only. */
export const POST = route({
  method: "POST",
  path: "/tokens",
  access: "admin",
  summary: "Create an API token (shown once)",
  responses: { 201: json(createdApiToken, "The token, with its secret this once") },
  body: createApiTokenRequest,
  handler: async ({ services, body }) => reply(201, await createApiToken(services.ctx, body)),
});
