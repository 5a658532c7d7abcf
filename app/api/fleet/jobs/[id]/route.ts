import { getJob } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  handler: ({ services, params }) => getJob(services.ctx, params.id!),
});
