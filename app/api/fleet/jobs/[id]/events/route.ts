import { z } from "zod";
import { jobEvents } from "@/server/coordinator";
import { route } from "@/server/http/route";

import { eventList, idParams } from "@/lib/api";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

const query = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const GET = route({
  method: "GET",
  path: "/jobs/{id}/events",
  access: "viewer",
  summary: "The job's append-only event log",
  params: idParams,
  responses: { 200: json(eventList, "Events after `after`, oldest first") },
  errors: ["not_found"],
  query,
  handler: ({ services, params, query }) => jobEvents(services.ctx, params.id, query.after, query.limit),
});
