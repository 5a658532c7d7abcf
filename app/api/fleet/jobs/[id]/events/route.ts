import { z } from "zod";
import { jobEvents } from "@/server/coordinator";
import { route } from "@/server/http/route";

export const dynamic = "force-dynamic";

const query = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const GET = route({
  access: "viewer",
  query,
  handler: ({ services, params, query }) => jobEvents(services.ctx, params.id!, query.after, query.limit),
});
