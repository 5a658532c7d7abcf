import { FleetError } from "@/server/errors";
import { route } from "@/server/http/route";

import { nameParams, profileSummary } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/profiles/{name}",
  access: "viewer",
  summary: "One profile",
  params: nameParams,
  responses: { 200: json(profileSummary, "The profile") },
  errors: ["not_found"],
  handler: async ({ services, params }) => {
    const p = await services.ctx.profiles.get(params.name);
    if (!p) throw new FleetError("not_found", `no profile ${params.name}`);
    return p.summary;
  },
});
