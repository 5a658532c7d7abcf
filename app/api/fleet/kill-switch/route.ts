import { killSwitchRequest } from "@/lib/api/admin";
import { getKillSwitch, setKillSwitch } from "@/server/coordinator";
import { actorOf } from "@/server/auth/principal";
import { route } from "@/server/http/route";

import { killSwitchView } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/kill-switch",
  access: "viewer",
  summary: "The kill switch",
  responses: { 200: json(killSwitchView, "The kill switch") },
  handler: ({ services }) => getKillSwitch(services.ctx),
});

/** Fleet-wide stop: no claim is granted while it is on; heartbeats carry it to every factory. */
export const POST = route({
  method: "POST",
  path: "/kill-switch",
  access: "admin",
  summary: "Stop (or resume) all claiming fleet-wide",
  responses: { 200: json(killSwitchView, "The kill switch") },
  body: killSwitchRequest,
  handler: ({ services, body, principal }) => setKillSwitch(services.ctx, body, actorOf(principal)),
});
