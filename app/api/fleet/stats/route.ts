import { z } from "zod";
import { stats } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  query: z.object({ product: z.string().max(64).optional() }),
  handler: ({ services, query }) => stats(services.ctx, query.product),
});
