import "server-only";
import type { RunImport } from "@/lib/api/runs";
import { redact } from "@/lib/secrets";
import { FleetError } from "@/server/errors";
import { jobIdForKey } from "@/server/store/ids";
import type { CoordinatorContext } from "./context";
import { jobEvent } from "./events";
import { newLeaseId, parseLeaseId } from "./ids";
import { resolveSubmission } from "./job-input";
import { appendAgentEvents, complete } from "./leases";
import { submitJob } from "./submit";

/**
 * Reconcile (issue 17 §3): a job that ran on a factory's folder queue while the coordinator was away
 * becomes a job here with one completed attempt, through the coordinator's own machinery, so its
 * stage is what the coordinator's rules give the reported result (lib/stages via completion.ts):
 *
 *   submit (held: no wake-up) → claim for the reporting factory → its events → its completion
 *
 * The idempotency key decides (the manifest's, else one derived from the folder lease):
 *
 * | the key's job                  | answer                                                          |
 * |--------------------------------|-----------------------------------------------------------------|
 * | none                           | created, attempt recorded, stage by the rules (201)             |
 * | same content (ran online, or   | `run:imported` with duplicate: true on it; nothing runs (200)   |
 * |   this import re-sent)         |                                                                 |
 * | other content                  | 409 conflict (the agent keeps the file in DIR/failed, with why) |
 *
 * Without `attempt` the job never ran on the folder (it waited in DIR/inbox when the coordinator
 * came back): it is submitted here like any job (deps, blocked, wake-ups) under the same key rule,
 * so the same key and content already here is answered 200 duplicate (nothing runs twice), other
 * content 409, and a re-sent hand-over (the same folder lease) is the same job.
 *
 * Refused as forged: a lease that is not a folder lease (another factory's lease is 403), an exit
 * code that contradicts the outcome, a verify result for a job without verify or after a failed engine.
 */
const FOLDER_LEASE = /^off-[0-9a-z]{1,16}-[0-9a-f]{8}$/;
/** (folder lease, this seq) keys the `run:imported` event: a re-sent import is one event */
const IMPORT_AGENT_SEQ = -2;

export async function importRun(ctx: CoordinatorContext, factoryId: string, body: RunImport) {
  refuseForged(factoryId, body);
  const submission = { kind: "markdown" as const, text: body.text, fileName: body.file ?? "job.md" };
  const { spec, rawHash } = await resolveSubmission(ctx.profiles, submission);
  const productId = spec.manifest.product ?? ctx.productId;
  const key = spec.manifest["idempotency-key"] ?? `offline:${factoryId}:${body.leaseId}`;
  if (!body.attempt) return handOver(ctx, factoryId, submission, rawHash, key, jobIdForKey(productId, key));
  const c = body.attempt.complete;
  const engine = body.engine!; // required with attempt (lib/api/runs.ts)
  if (c.verify && !spec.manifest.verify) {
    throw new FleetError("validation", "forged run", { errors: [{ path: "attempt.complete.verify", message: "the job has no verify command, so no verify can have run" }] });
  }
  const id = jobIdForKey(productId, key);
  const existing = await ctx.store.getJob(id);
  const now = ctx.now();
  const imported = (stage: string, duplicate: boolean) =>
    jobEvent("run:imported", now, { factoryId, ...(body.file ? { file: body.file } : {}), outcome: c.outcome, duplicate, stage: stage as never }, { leaseId: body.leaseId, agentSeq: IMPORT_AGENT_SEQ });
  if (existing) {
    if (existing.contentHash !== rawHash) {
      throw new FleetError("conflict", `idempotency key "${key}" was used for different content (job ${existing.id}); the folder run is not recorded`, { extra: { jobId: existing.id } });
    }
    // Already known: ran online (or this import was re-sent). The folder run is attached; nothing runs again.
    const [ev] = await ctx.store.appendEvents(existing.id, [imported(existing.stage, true)]);
    ctx.notifier.jobChanged(existing.id);
    const duplicate = ev?.type === "run:imported" ? Boolean((ev.data as { duplicate?: boolean }).duplicate) : true;
    return { status: 200 as const, body: { jobId: existing.id, stage: existing.stage, duplicate } };
  }

  // Held: submitted without waking the claimers, then claimed at once for the reporting factory.
  const { job } = await ctx.store.submitJob({
    id,
    productId,
    title: redact(spec.title),
    body: redact(spec.body),
    manifest: spec.manifest,
    contentHash: rawHash,
    idempotencyKey: key,
    stage: "queued",
    deps: [],
    depKeys: [],
    now,
  });
  const leaseId = newLeaseId(factoryId, job.id);
  const grant = await ctx.store.claimJob({ jobId: job.id, expectedVersion: job.version, factoryId, engine, leaseId, ttlMs: ctx.leaseTtlMs, now });
  if (!grant) throw new FleetError("conflict", `job ${job.id} was claimed by another factory before the import could record it`);
  await ctx.store.appendEvents(job.id, [
    jobEvent("job:submitted", now, { stage: "queued", title: job.title, by: `factory:${factoryId} (folder queue)` }),
    jobEvent("lease:granted", now, { leaseId, epoch: grant.lease.epoch, factoryId, engine, expiresAt: grant.lease.expiresAt }),
  ]);
  const epoch = grant.lease.epoch;
  if (body.attempt.events.length > 0) await appendAgentEvents(ctx, factoryId, leaseId, { epoch, events: body.attempt.events });
  const done = await complete(ctx, factoryId, leaseId, { ...c, epoch });
  await ctx.store.appendEvents(job.id, [imported(done.stage, false)]);
  ctx.notifier.jobChanged(job.id);
  return { status: 201 as const, body: { jobId: job.id, stage: done.stage, duplicate: false } };
}

/** A folder inbox job handed over unrun: submitted here; the key decides duplicates and conflicts. */
async function handOver(ctx: CoordinatorContext, factoryId: string, submission: { kind: "markdown"; text: string; fileName: string }, rawHash: string, key: string, id: string) {
  const existing = await ctx.store.getJob(id);
  if (existing && existing.contentHash !== rawHash) {
    throw new FleetError("conflict", `idempotency key "${key}" was used for different content (job ${existing.id}); the inbox job is not submitted`, { extra: { jobId: existing.id } });
  }
  if (existing) return { status: 200 as const, body: { jobId: existing.id, stage: existing.stage, duplicate: true } };
  const { job, created } = await submitJob(ctx, submission, `factory:${factoryId} (folder inbox)`, key);
  return created ? { status: 201 as const, body: { jobId: job.id, stage: job.stage, duplicate: false } } : { status: 200 as const, body: { jobId: job.id, stage: job.stage, duplicate: true } };
}

function refuseForged(factoryId: string, body: RunImport): void {
  if (!FOLDER_LEASE.test(body.leaseId)) {
    let owner: string | undefined;
    try {
      owner = parseLeaseId(body.leaseId).factoryId;
    } catch {
      owner = undefined;
    }
    if (owner && owner !== factoryId) throw new FleetError("forbidden", "leaseId: this lease belongs to another factory");
    throw new FleetError("validation", "forged run", { errors: [{ path: "leaseId", message: owner ? "a coordinator lease is reported through POST /leases/{id}/complete, not imported" : "not a folder-queue lease (off-…)" }] });
  }
  if (!body.attempt) return;
  const c = body.attempt.complete;
  if (c.outcome === "succeeded" && c.exitCode !== 0) {
    throw new FleetError("validation", "forged run", { errors: [{ path: "attempt.complete.exitCode", message: "a succeeded attempt's engine exited 0" }] });
  }
  if (c.verify && c.outcome !== "succeeded") {
    throw new FleetError("validation", "forged run", { errors: [{ path: "attempt.complete.verify", message: "verify runs only after the engine exited 0" }] });
  }
}
