import { getJobExplained } from "@/server/coordinator/placement";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  // A waiting job carries `pending`: why it waits, per factory, computed against the fleet now.
  handler: ({ services, params }) => getJobExplained(services.ctx, params.id!),
});
