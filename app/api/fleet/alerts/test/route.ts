import { actorOf } from "@/server/auth/principal";
import { sendTestAlert } from "@/server/alerts";
import { route } from "@/server/http/route";

import { testAlertView } from "@/lib/api/operations";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/** *Send test alert*: one test notice to every configured sink, now; answers each sink's outcome. */
export const POST = route({
  method: "POST",
  path: "/alerts/test",
  access: "admin",
  summary: "Send a test alert to every configured sink now",
  responses: { 200: json(testAlertView, "Each sink's delivery") },
  handler: ({ services, principal }) => sendTestAlert(services.ctx, actorOf(principal)),
});
