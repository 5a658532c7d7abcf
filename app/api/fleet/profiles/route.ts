import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  handler: async ({ services }) => ({ items: (await services.ctx.profiles.list()).map((p) => p.summary) }),
});
