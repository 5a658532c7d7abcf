import { listJobsQuery } from "@/lib/api/jobs";
import { listJobs, submitJob } from "@/server/coordinator";
import { withPendingReasons } from "@/server/coordinator/placement";
import { actorOf } from "@/server/auth/principal";
import { reply, route, type JobBody } from "@/server/http/route";

export const dynamic = "force-dynamic";

export const GET = route({
  access: "viewer",
  query: listJobsQuery,
  handler: async ({ services, query }) => {
    const page = await listJobs(services.ctx, query);
    // Waiting rows say why (the scheduler's last word on them), without a store read per row.
    return { ...page, items: await withPendingReasons(services.ctx, page.items) };
  },
});

/** A job file (`text/markdown`) or `{manifest, body}`: 201 new, 200 `{job, deduplicated}` for a replay. */
export const POST = route<JobBody, undefined, "operator">({
  access: "operator",
  jobBody: true,
  handler: async ({ services, body, principal }) => {
    const submission = body.kind === "markdown" ? { kind: "markdown" as const, text: body.text } : { kind: "json" as const, value: body.value };
    const r = await submitJob(services.ctx, submission, actorOf(principal));
    return r.created ? reply(201, r.job, { location: `/api/fleet/jobs/${r.job.id}` }) : reply(200, { job: r.job, deduplicated: true });
  },
});
