import { createdEnrollmentToken, createEnrollmentTokenRequest, enrollmentTokenList } from "@/lib/api";
import { actorOf } from "@/server/auth/principal";
import { createEnrollmentToken, listEnrollmentTokens } from "@/server/coordinator/admission";
import { reply, route } from "@/server/http/route";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/enrollment-tokens",
  access: "admin",
  summary: "Enrollment tokens made here (never the secrets), with their expiry, uses and state",
  responses: { 200: json(enrollmentTokenList, "Enrollment tokens") },
  handler: ({ services }) => listEnrollmentTokens(services.ctx),
});

/** Creates an enrollment token, optionally expiring (`expiresIn`) and good for `maxUses` registrations; shown once. */
export const POST = route({
  method: "POST",
  path: "/enrollment-tokens",
  access: "admin",
  summary: "Create an enrollment token (shown once)",
  body: createEnrollmentTokenRequest,
  responses: { 201: json(createdEnrollmentToken, "The token, with its secret this once") },
  handler: async ({ services, body, principal }) => reply(201, await createEnrollmentToken(services.ctx, body, actorOf(principal))),
});
