import { runImport, runImported } from "@/lib/api";
import { LEASE_BODY_BYTES } from "@/lib/limits";
import { importRun } from "@/server/coordinator";
import { reply, route } from "@/server/http/route";
import { json } from "@/server/http/spec";
export const dynamic = "force-dynamic";

/** A folder-queue run, recorded on reconnect (server/coordinator/run-import.ts has the rules). */
export const POST = route({
  method: "POST",
  path: "/runs/import",
  access: "factory",
  // The agent trims the run's log to fit, like a batch of lease events.
  maxBodyBytes: LEASE_BODY_BYTES,
  summary: "Record a job that ran on a factory's offline folder queue, or (without attempt) hand over one still waiting in its inbox (idempotent on the idempotency key / folder lease)",
  responses: { 201: json(runImported, "The job, with its attempt in the stage the rules give it (or queued, handed over unrun)"), 200: json(runImported, "Already known: attached as a duplicate, nothing ran again") },
  errors: ["validation", "forbidden", "conflict"],
  body: runImport,
  handler: async ({ services, principal, body }) => {
    const r = await importRun(services.ctx, principal.factoryId, body);
    return r.status === 201 ? reply(201, r.body) : reply(200, r.body);
  },
});
