import { dagQuery } from "@/lib/api/jobs";
import { dag } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { json } from "@/server/http/spec";
import { dagView } from "@/lib/api/jobs";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/dag",
  access: "viewer",
  summary: "Jobs and dependency edges for the DAG view",
  responses: { 200: json(dagView, "Nodes and edges") },
  query: dagQuery,
  handler: ({ services, query }) => dag(services.ctx, query.product),
});
