import { drainFactory } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { factoryView, idParams } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const POST = route({
  method: "POST",
  path: "/factories/{id}/drain",
  access: "operator",
  summary: "Stop claiming, finish in-flight work",
  params: idParams,
  responses: { 200: json(factoryView, "The factory") },
  errors: ["not_found", "conflict", "illegal_transition"],
  handler: ({ services, params }) => drainFactory(services.ctx, params.id),
});
