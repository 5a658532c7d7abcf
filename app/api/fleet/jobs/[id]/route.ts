import { getJobExplained } from "@/server/coordinator/placement";
import { route } from "@/server/http/route";

import { idParams, jobView } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/jobs/{id}",
  access: "viewer",
  summary: "A job with its runs, lease and last decision (and why it waits)",
  params: idParams,
  responses: { 200: json(jobView, "The job") },
  errors: ["not_found"],
  // A waiting job carries `pending`: why it waits, per factory, computed against the fleet now.
  handler: ({ services, params }) => getJobExplained(services.ctx, params.id),
});
