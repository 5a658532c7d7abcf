import { protectedPathsRequest, protectedPathsView } from "@/lib/api/protected-paths";
import { actorOf } from "@/server/auth/principal";
import { getProtectedPaths, saveProtectedPaths } from "@/server/coordinator";
import { route } from "@/server/http/route";
import { json } from "@/server/http/spec";

export const dynamic = "force-dynamic";

/** The protected-path globs in force: fleet-wide and per product (issue 18 §4). */
export const GET = route({
  method: "GET",
  path: "/protected-paths",
  access: "viewer",
  summary: "Protected-path globs: changes to them never auto-ship and need a person's approval",
  responses: { 200: json(protectedPathsView, "The protected paths") },
  handler: ({ services }) => getProtectedPaths(services.ctx),
});

/** Sets the fleet's and/or per-product globs; the next attempt to complete is gated with them. */
export const PUT = route({
  method: "PUT",
  path: "/protected-paths",
  access: "admin",
  summary: "Set protected-path globs (each part given replaces the saved one; [] or {} clears it)",
  responses: { 200: json(protectedPathsView, "The protected paths after the change") },
  body: protectedPathsRequest,
  handler: ({ services, body, principal }) => saveProtectedPaths(services.ctx, body, actorOf(principal)),
});
