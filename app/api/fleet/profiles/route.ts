import { route } from "@/server/http/route";

import { profileList } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/profiles",
  access: "viewer",
  summary: "Profiles and their versions",
  responses: { 200: json(profileList, "Profiles") },
  handler: async ({ services }) => ({ items: (await services.ctx.profiles.list()).map((p) => p.summary) }),
});
