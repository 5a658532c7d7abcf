import { listJobsQuery } from "@/lib/api/jobs";
import { listJobs, submitJob } from "@/server/coordinator";
import { withPendingReasons } from "@/server/coordinator/placement";
import { actorOf } from "@/server/auth/principal";
import { reply, route } from "@/server/http/route";

import { jobPage, jobView, submitDeduplicated, submitJobJson } from "@/lib/api/jobs";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

export const GET = route({
  method: "GET",
  path: "/jobs",
  access: "viewer",
  summary: "List jobs (filters, sort=createdAt|updatedAt|priority|stage|title, order=asc|desc, cursor of that sort)",
  responses: { 200: json(jobPage, "A page of jobs") },
  query: listJobsQuery,
  handler: async ({ services, query }) => {
    const page = await listJobs(services.ctx, query);
    // Waiting rows say why (the scheduler's last word on them), without a store read per row.
    return { ...page, items: await withPendingReasons(services.ctx, page.items) };
  },
});

/** A job file (`text/markdown`) or `{manifest, body}`: 201 new, 200 `{job, deduplicated}` for a replay. */
export const POST = route({
  method: "POST",
  path: "/jobs",
  access: "operator",
  summary: "Submit a job (text/markdown job file or JSON {manifest, body})",
  jobBody: submitJobJson,
  responses: { 201: json(jobView, "The new job"), 200: json(submitDeduplicated, "The job this idempotency key already made") },
  errors: ["not_found", "cycle", "conflict"],
  handler: async ({ services, jobBody: body, principal }) => {
    const submission = body.kind === "markdown" ? { kind: "markdown" as const, text: body.text } : { kind: "json" as const, value: body.value };
    const r = await submitJob(services.ctx, submission, actorOf(principal));
    return r.created ? reply(201, r.job, { location: `/api/fleet/jobs/${r.job.id}` }) : reply(200, { job: r.job, deduplicated: true as const });
  },
});
