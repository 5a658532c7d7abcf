import { z } from "zod";
import { stats } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { statsView } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/stats",
  access: "viewer",
  summary: "Queue depth, utilisation, pass rate, cost, open alerts",
  responses: { 200: json(statsView, "The figures") },
  query: z.object({ product: z.string().max(64).optional() }),
  handler: ({ services, query }) => stats(services.ctx, query.product),
});
