import { drainFactory } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const POST = route({
  access: "operator",
  handler: ({ services, params }) => drainFactory(services.ctx, params.id!),
});
