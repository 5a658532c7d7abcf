import { claimRequest } from "@/lib/protocol";
import { claim } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { claimResponse } from "@/lib/protocol";
import { json, noContent } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** Long poll: 200 with a lease the moment a suitable job is queued, 204 after `waitMs`. */
export const POST = route({
  method: "POST",
  path: "/leases/claim",
  access: "factory",
  summary: "Claim a job (long poll up to 30 s; 204 on timeout)",
  responses: { 200: json(claimResponse, "A lease on a job"), 204: noContent("Nothing fits within waitMs") },
  // rate_limited: FLEET_MAX_CLAIMS_PER_FACTORY claims of one factory waiting at once
  errors: ["conflict", "rate_limited"],
  body: claimRequest,
  handler: async ({ services, principal, body, req }) => {
    const release = services.limits.claims.acquire(principal.factoryId);
    try {
      return await claim(services.ctx, principal.factory, body, req.signal);
    } finally {
      release();
    }
  },
});
