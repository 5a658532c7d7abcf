import { FleetError } from "@/server/http/errors";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  handler: async ({ services, params }) => {
    const p = await services.ctx.profiles.get(params.name!);
    if (!p) throw new FleetError("not_found", `no profile ${params.name}`);
    return p.summary;
  },
});
