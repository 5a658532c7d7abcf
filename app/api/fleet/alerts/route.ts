import { alertsOverview } from "@/server/alerts";
import { route } from "@/server/http/route";

import { alertsOverviewView } from "@/lib/api/operations";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/** Alert sinks (secrets only as set), open alert episodes and the latest deliveries with their state. */
export const GET = route({
  method: "GET",
  path: "/alerts",
  access: "admin",
  summary: "Alert sinks (secrets only as set), open alerts, the latest deliveries",
  responses: { 200: json(alertsOverviewView, "The alerts overview") },
  handler: ({ services }) => alertsOverview(services.ctx),
});
