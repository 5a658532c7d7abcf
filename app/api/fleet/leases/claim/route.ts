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
  errors: ["conflict"],
  body: claimRequest,
  handler: ({ services, principal, body, req }) => claim(services.ctx, principal.factory, body, req.signal),
});
