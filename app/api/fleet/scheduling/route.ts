import { schedulingSettingsRequest, schedulingSettingsView } from "@/lib/api/operations";
import { actorOf } from "@/server/auth/principal";
import { getSchedulingSettings, saveSchedulingSettings } from "@/server/coordinator";
import { route } from "@/server/http/route";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/** The scheduler's scorer weights and the SLA targets per priority in force, with defaults and sources. */
export const GET = route({
  method: "GET",
  path: "/scheduling",
  access: "viewer",
  summary: "Scheduler weights and SLA targets in force (each with its default and where it comes from)",
  responses: { 200: json(schedulingSettingsView, "The scheduling settings") },
  handler: ({ services }) => getSchedulingSettings(services.ctx),
});

/** Sets scorer weights and/or SLA targets; the next placement is made and explained with them. */
export const PUT = route({
  method: "PUT",
  path: "/scheduling",
  access: "admin",
  summary: "Set scheduler weights and/or SLA targets (each part given replaces the saved one; {} clears it)",
  responses: { 200: json(schedulingSettingsView, "The scheduling settings after the change") },
  body: schedulingSettingsRequest,
  handler: ({ services, body, principal }) => saveSchedulingSettings(services.ctx, body, actorOf(principal)),
});
