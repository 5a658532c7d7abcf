import { registerRequest } from "@/lib/protocol";
import { listFactories } from "@/server/coordinator";
import { admitFactory } from "@/server/coordinator/admission";
import { reply, route } from "@/server/http/route";
import { enrollmentKey } from "@/server/limits/registrations";

import { factoryList } from "@/lib/api";
import { registerResponse } from "@/lib/protocol";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/factories",
  access: "viewer",
  summary: "Factories with health, load, last heartbeat, capabilities",
  responses: { 200: json(factoryList, "Factories") },
  handler: ({ services }) => listFactories(services.ctx),
});

/** Enrollment: the enrollment token registers a machine and gets back its own factory token. */
export const POST = route({
  method: "POST",
  path: "/factories",
  access: "enrollment",
  summary: "Register a factory (enrollment token)",
  responses: { 201: json(registerResponse, "The factory id and its own token") },
  // conflict: the name is taken; rate_limited: FLEET_REGISTRATIONS_PER_MINUTE per enrollment token;
  // forbidden: a stored enrollment token that expired or has no uses left
  errors: ["conflict", "rate_limited"],
  body: registerRequest,
  handler: async ({ services, body, principal }) => {
    services.limits.registrations.hit(enrollmentKey(principal));
    const admitted = await admitFactory(services.ctx, body, {
      ...(principal.tokenId ? { tokenId: principal.tokenId } : {}),
      holdForApproval: services.env.FLEET_APPROVE_NEW_FACTORIES === "1",
    });
    return reply(201, admitted);
  },
});
