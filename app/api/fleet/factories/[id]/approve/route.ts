import { approveFactory } from "@/server/coordinator/admission";
import { actorOf } from "@/server/auth/principal";
import { route } from "@/server/http/route";

import { factoryView, idParams } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Lets a factory held for approval (FLEET_APPROVE_NEW_FACTORIES) claim work. Revoke refuses it instead. */
export const POST = route({
  method: "POST",
  path: "/factories/{id}/approve",
  access: "admin",
  summary: "Approve a factory held for approval (pending → online)",
  params: idParams,
  responses: { 200: json(factoryView, "The factory, now online") },
  errors: ["not_found", "conflict", "illegal_transition"],
  handler: ({ services, params, principal }) => approveFactory(services.ctx, params.id, actorOf(principal)),
});
