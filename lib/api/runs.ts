/**
 * `POST /runs/import` (CONTRACT §2, issue 17 §3): a job that ran on a factory's folder queue while
 * the coordinator was away, reported by that factory on reconnect; or, without `attempt`, a job
 * still waiting in the folder's inbox, handed over to be queued here instead. `text` is the job file exactly as
 * it sat in DIR/inbox (so its content hash is the one an online submit of the same file has), `leaseId`
 * the folder's local lease (`off-…`: what makes a re-sent import idempotent), and `attempt` what the
 * run reported: the agent's short-form events in order (log chunks included) and its completion.
 */
import { z } from "zod";
import { agentEvent, completeRequest } from "../protocol";
import { STAGES } from "../types";

/** The job file's largest size (a manifest and a prompt), and the most events one import carries. */
export const IMPORT_TEXT_MAX = 256 * 1024;
export const IMPORT_EVENTS_MAX = 2_000;

export const runImport = z.strictObject({
  file: z.string().min(1).max(255).optional(),
  text: z.string().min(1).max(IMPORT_TEXT_MAX),
  leaseId: z.string().min(1).max(200),
  /** the engine the attempt ran on (with `attempt`) */
  engine: z.string().min(1).max(64).optional(),
  /** absent: the job never ran on the folder; it is queued here (`leaseId` then keys a re-send) */
  attempt: z
    .strictObject({
      events: z.array(agentEvent).max(IMPORT_EVENTS_MAX),
      complete: completeRequest.omit({ epoch: true, delivery: true }),
    })
    .optional(),
}).superRefine((v, ctx) => {
  if (v.attempt && v.engine === undefined) ctx.addIssue({ code: "custom", path: ["engine"], message: "the engine the attempt ran on is required with attempt" });
});
export type RunImport = z.infer<typeof runImport>;

/** `duplicate`: the idempotency key's job already existed with this content; nothing ran again. */
export const runImported = z.object({ jobId: z.string(), stage: z.enum(STAGES), duplicate: z.boolean() });
