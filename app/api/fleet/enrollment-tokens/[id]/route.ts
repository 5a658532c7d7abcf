import { enrollmentTokenView, idParams } from "@/lib/api";
import { revokeEnrollmentToken } from "@/server/coordinator/admission";
import { route } from "@/server/http/route";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Revokes an enrollment token (idempotent); factories it registered keep their own tokens. */
export const DELETE = route({
  method: "DELETE",
  path: "/enrollment-tokens/{id}",
  access: "admin",
  summary: "Revoke an enrollment token (idempotent)",
  params: idParams,
  responses: { 200: json(enrollmentTokenView, "The revoked token") },
  errors: ["not_found"],
  handler: ({ services, params }) => revokeEnrollmentToken(services.ctx, params.id),
});
