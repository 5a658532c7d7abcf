import { killSwitchRequest } from "@/lib/api/admin";
import { getKillSwitch, setKillSwitch } from "@/server/coordinator";
import { actorOf } from "@/server/auth/principal";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  handler: ({ services }) => getKillSwitch(services.ctx),
});

/** Fleet-wide stop: no claim is granted while it is on; heartbeats carry it to every factory. */
export const POST = route({
  access: "admin",
  body: killSwitchRequest,
  handler: ({ services, body, principal }) => setKillSwitch(services.ctx, body, actorOf(principal)),
});
