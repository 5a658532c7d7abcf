import { actorOf } from "@/server/auth/principal";
import { sendTestAlert } from "@/server/alerts";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

/** *Send test alert*: one test notice to every configured sink, now; answers each sink's outcome. */
export const POST = route({
  access: "admin",
  handler: ({ services, principal }) => sendTestAlert(services.ctx, actorOf(principal)),
});
