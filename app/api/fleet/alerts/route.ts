import { alertsOverview } from "@/server/alerts";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** Alert sinks (secrets only as set), open alert episodes and the latest deliveries with their state. */
export const GET = route({
  access: "admin",
  handler: ({ services }) => alertsOverview(services.ctx),
});
