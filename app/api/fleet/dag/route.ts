import { dagQuery } from "@/lib/api/jobs";
import { dag } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  query: dagQuery,
  handler: ({ services, query }) => dag(services.ctx, query.product),
});
