import "server-only";
import { z } from "zod";
import { scanForSecrets } from "@/lib/manifest/schema";
import { PRIORITIES, STAGES } from "@/lib/types";
import { TERMINAL_STAGES } from "@/lib/stages";
import type { RestoreRecord } from "@/server/store/port";
import type { EventRecord, JobRecord, LeaseRecord, LogChunkRecord, RunRecord } from "@/server/store/records";
import { logPos } from "@/server/store/shared";

/**
 * The archive file of `fleet archive` / `fleet import-archive` (CONTRACT §3): gzip of JSON lines.
 *
 *   {"kind":"fleet-archive","format":1,"createdAt":ISO,"before":ISO,"source":"sqlite"|"cosmos"}
 *   then per job, in this order: its job line, its runs (each with its lease-history record),
 *   its events (seq ascending), its log chunks (pos ascending):
 *   {"kind":"job","job":JobRecord}
 *   {"kind":"run","run":RunRecord,"lease":LeaseRecord}
 *   {"kind":"event","event":EventRecord}
 *   {"kind":"log","log":LogChunkRecord}
 *   and last {"kind":"end","jobs":N,"runs":N,"events":N,"logs":N}: a file cut short has no end line,
 *   or counts that disagree, and is refused.
 *
 * Records are the store's own (server/store/records.ts), exactly as a store returned them, so a
 * restore writes back the same bytes. Each line is checked here with zod, and the lines together
 * with `ArchiveChecker` (order, ownership, no repeats); every problem names the line and the field.
 * Records are loose objects on purpose: a field a later version adds is kept, not refused, but a
 * key starting with `_` or `x_` is refused (those are the Cosmos provider's system and index fields).
 */
export const ARCHIVE_FORMAT = 1;
/** One line may hold one log chunk or one event with an inline artifact; nothing legitimate is near this. */
export const MAX_LINE_BYTES = 32 * 1_048_576;

const id = z.string().min(1, "is empty").max(512, "is longer than 512 characters");
const int = z.number().int().min(0);
const epochMs = z.number().int().min(0).max(8.64e15, "is not a time");
const cost = z.strictObject({ usd: z.number().min(0), tokensIn: int, tokensOut: int, wallMs: int });
const profileRef = z.strictObject({ name: z.string().min(1).max(128), version: z.string().min(1).max(128) });
const reserved = (value: Record<string, unknown>, ctx: z.core.$RefinementCtx<Record<string, unknown>>) => {
  for (const key of Object.keys(value)) {
    if (key.startsWith("_") || key.startsWith("x_")) ctx.addIssue({ code: "custom", path: [key], message: "a field starting with _ or x_ is reserved for the store", input: undefined });
  }
};

const jobRecord = z
  .looseObject({
    id,
    productId: id,
    title: z.string().max(10_000),
    body: z.string(),
    manifest: z.record(z.string(), z.unknown()),
    contentHash: z.string().min(1).max(256),
    idempotencyKey: z.string().min(1).max(1_000).optional(),
    stage: z.enum(STAGES),
    priority: z.enum(PRIORITIES),
    profile: profileRef.optional(),
    lock: z.string().min(1).max(512).optional(),
    deps: z.array(id),
    depKeys: z.array(z.string().max(1_000)),
    blockedReasons: z.array(z.string()),
    pendingReason: z.string().optional(),
    decision: z.unknown().optional(),
    attempts: int,
    leaseLosses: int,
    epoch: int,
    lease: z.undefined({ error: "the job holds a lease: only settled jobs are archived, and a lease cannot be restored" }).optional(),
    notBefore: epochMs.optional(),
    cost,
    liveCost: z.strictObject({ leaseId: id, cost, throughSeq: int.optional() }).optional(),
    approvals: z.array(z.string().max(1_000)),
    createdAt: epochMs,
    updatedAt: epochMs,
    version: z.number().int().min(1),
  })
  .superRefine(reserved)
  .superRefine((job, ctx) => {
    if (!(TERMINAL_STAGES as readonly string[]).includes(job.stage)) {
      ctx.addIssue({ code: "custom", path: ["stage"], message: `only terminal jobs are archived (${TERMINAL_STAGES.join(", ")}), not ${job.stage}`, input: undefined });
    }
    // Refused at submit, so an archive that carries one was not written by `fleet archive`.
    for (const hit of scanForSecrets(job.manifest, ["manifest"])) {
      ctx.addIssue({ code: "custom", path: hit.path, message: `the value looks like ${hit.kind}: secrets are refused in manifests`, input: undefined });
    }
  });

const verify = z.strictObject({ passed: z.boolean(), exitCode: z.number().int(), output: z.string() });
const scope = z.strictObject({ changed: z.array(z.string()), outOfScope: z.array(z.string()) });
const artifact = z.looseObject({ name: z.string(), kind: z.string(), size: z.number().min(0), content: z.string().optional(), path: z.string().optional() });
const RUN_OUTCOMES = ["succeeded", "failed", "timeout", "cancelled", "budget_exceeded"] as const;

const runRecord = z
  .looseObject({
    id,
    jobId: id,
    productId: id,
    attempt: z.number().int().min(1),
    leaseId: id,
    epoch: z.number().int().min(1),
    factoryId: id,
    engine: z.string().min(1).max(128),
    profile: profileRef.optional(),
    startedAt: epochMs,
    endedAt: epochMs,
    endedBy: z.enum(["agent", "lease_expired"]),
    outcome: z.enum(RUN_OUTCOMES).optional(),
    exitCode: z.number().int().optional(),
    verify: verify.optional(),
    scope: scope.optional(),
    cost,
    commits: z.array(z.string().max(256)).optional(),
    artifacts: z.array(artifact).optional(),
    versions: z.strictObject({ engine: z.string().max(256).optional(), tools: z.record(z.string().max(256), z.string().max(256)) }).optional(),
  })
  .superRefine(reserved);

const leaseRecord = z
  .looseObject({
    id,
    jobId: id,
    productId: id,
    epoch: z.number().int().min(1),
    factoryId: id,
    engine: z.string().min(1).max(128),
    grantedAt: epochMs,
    expiresAt: epochMs,
    state: z.enum(["completed", "expired", "cancelled"], { error: "an archived lease has ended: completed, expired or cancelled" }),
    endedAt: epochMs.optional(),
  })
  .superRefine(reserved);

const eventRecord = z
  .looseObject({
    jobId: id,
    productId: id,
    seq: z.number().int().min(1),
    type: z.string().regex(/^[a-z][a-z0-9_-]{0,63}:[a-z][a-z0-9_-]{0,63}$/, "must be noun:verb"),
    at: epochMs,
    data: z.unknown(),
    leaseId: id.optional(),
    agentSeq: z.number().int().min(1).optional(),
  })
  .superRefine(reserved);

const logRecord = z
  .looseObject({
    jobId: id,
    productId: id,
    leaseId: id,
    epoch: z.number().int().min(1),
    seq: z.number().int().min(1).max(999_999_999),
    pos: z.number().int().min(1),
    stream: z.enum(["stdout", "stderr"]),
    text: z.string(),
    at: epochMs,
  })
  .superRefine(reserved)
  .superRefine((c, ctx) => {
    if (c.pos !== logPos(c.epoch, c.seq)) ctx.addIssue({ code: "custom", path: ["pos"], message: `must be ${logPos(c.epoch, c.seq)} for epoch ${c.epoch}, seq ${c.seq}`, input: undefined });
  });

const header = z.strictObject({
  kind: z.literal("fleet-archive"),
  format: z.literal(ARCHIVE_FORMAT, { error: `this fleet reads archive format ${ARCHIVE_FORMAT}` }),
  createdAt: z.iso.datetime(),
  before: z.iso.datetime(),
  source: z.enum(["sqlite", "cosmos"]),
});

export const archiveLine = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("job"), job: jobRecord }),
  z.strictObject({ kind: z.literal("run"), run: runRecord, lease: leaseRecord }),
  z.strictObject({ kind: z.literal("event"), event: eventRecord }),
  z.strictObject({ kind: z.literal("log"), log: logRecord }),
  z.strictObject({ kind: z.literal("end"), jobs: int, runs: int, events: int, logs: int }),
], { error: "kind must be job, run, event, log or end" });

export type ArchiveHeader = z.infer<typeof header>;
export const archiveHeader = header;

/** The records as the store types them (Store.restoreJobs takes exactly these). */
export type ArchiveRecord = RestoreRecord;
export type ArchiveCounts = { jobs: number; runs: number; events: number; logs: number };

// Compile-time: a record field added to the store types must be added to the schemas too.
const _job: (j: z.infer<typeof jobRecord>) => Omit<JobRecord, "manifest"> = (j) => j;
const _run: (r: z.infer<typeof runRecord>) => RunRecord = (r) => r;
const _lease: (l: z.infer<typeof leaseRecord>) => LeaseRecord = (l) => l;
const _event: (e: z.infer<typeof eventRecord>) => EventRecord = (e) => e;
const _log: (c: z.infer<typeof logRecord>) => LogChunkRecord = (c) => c;
void [_job, _run, _lease, _event, _log];

export class ArchiveError extends Error {}

/** `line 12: job.stage: only terminal jobs are archived…` for each zod issue. */
export function lineProblems(line: number, issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `line ${line}: ${i.path.length ? i.path.map(String).join(".") : "(line)"}: ${i.message}`).join("\n");
}

/**
 * What the lines must say together: a header first, then each job followed only by its own records
 * in order (runs, events by seq, logs by pos), no job twice, each run paired with its own lease, each
 * log chunk from one of its job's runs, and an end line whose counts match. Feed it every line in
 * order; it throws ArchiveError naming the line.
 */
export class ArchiveChecker {
  private line = 0;
  private header: ArchiveHeader | undefined;
  private ended = false;
  private readonly jobIds = new Set<string>();
  private job: { id: string; productId: string; epoch: number; phase: 0 | 1 | 2 | 3; runs: Map<string, number>; lastSeq: number; agentKeys: Set<string>; lastPos: number } | undefined;
  readonly counts: ArchiveCounts = { jobs: 0, runs: 0, events: 0, logs: 0 };

  /** Parses and checks one line of text; returns its record (none for the header and end lines). */
  feed(text: string): ArchiveRecord | undefined {
    this.line++;
    const n = this.line;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new ArchiveError(`line ${n}: (line): not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (this.ended) throw new ArchiveError(`line ${n}: (line): nothing may follow the end line`);
    if (!this.header) {
      const h = header.safeParse(value);
      if (!h.success) throw new ArchiveError(`${lineProblems(n, h.error.issues)}\n(line ${n} must be the archive header: is this a fleet archive?)`);
      this.header = h.data;
      return undefined;
    }
    const r = archiveLine.safeParse(value);
    if (!r.success) throw new ArchiveError(lineProblems(n, r.error.issues));
    // The raw value, not zod's copy: zod rebuilds objects in schema order, and a restore must write
    // the bytes the store returned (the schemas refuse nothing they would not also pass through).
    const rec = value as ArchiveRecord | (ArchiveCounts & { kind: "end" });
    const fail = (field: string, message: string): never => {
      throw new ArchiveError(`line ${n}: ${field}: ${message}`);
    };
    switch (rec.kind) {
      case "job": {
        const j = rec.job;
        if (this.jobIds.has(j.id)) fail("job.id", `job ${j.id} appears twice in the archive`);
        this.jobIds.add(j.id);
        this.job = { id: j.id, productId: j.productId, epoch: j.epoch, phase: 0, runs: new Map(), lastSeq: 0, agentKeys: new Set(), lastPos: 0 };
        this.counts.jobs++;
        return rec;
      }
      case "run": {
        const j = this.owner(n, "run", rec.run.jobId, rec.run.productId, 1);
        const { run, lease } = rec;
        if (j.runs.has(run.id)) fail("run.id", `run ${run.id} appears twice`);
        if (run.leaseId !== run.id) fail("run.leaseId", "must equal run.id (a run is named by its lease)");
        if (run.epoch !== run.attempt) fail("run.attempt", "must equal run.epoch");
        if (run.epoch > j.epoch) fail("run.epoch", `is past the job's epoch ${j.epoch}`);
        if (lease.id !== run.id || lease.jobId !== run.jobId || lease.productId !== run.productId || lease.epoch !== run.epoch) {
          fail("lease", "must be the run's own lease-history record (same id, jobId, productId and epoch)");
        }
        j.runs.set(run.id, run.epoch);
        this.counts.runs++;
        return rec;
      }
      case "event": {
        const j = this.owner(n, "event", rec.event.jobId, rec.event.productId, 2);
        const e = rec.event;
        if (e.seq <= j.lastSeq) fail("event.seq", `must be above the previous event's ${j.lastSeq} (events in seq order, no repeats)`);
        j.lastSeq = e.seq;
        if (e.agentSeq !== undefined) {
          if (e.leaseId === undefined) fail("event.leaseId", "is required with agentSeq");
          const key = `${e.leaseId}\u0000${e.agentSeq}`;
          if (j.agentKeys.has(key)) fail("event.agentSeq", `(leaseId, agentSeq) ${e.leaseId}/${e.agentSeq} appears twice`);
          j.agentKeys.add(key);
        }
        this.counts.events++;
        return rec;
      }
      case "log": {
        const j = this.owner(n, "log", rec.log.jobId, rec.log.productId, 3);
        const c = rec.log;
        if (c.pos <= j.lastPos) fail("log.pos", `must be above the previous chunk's ${j.lastPos} (chunks in pos order, no repeats)`);
        j.lastPos = c.pos;
        if (j.runs.get(c.leaseId) !== c.epoch) fail("log.leaseId", `is not a run of job ${j.id} with epoch ${c.epoch}`);
        this.counts.logs++;
        return rec;
      }
      case "end": {
        for (const k of ["jobs", "runs", "events", "logs"] as const) {
          if (rec[k] !== this.counts[k]) fail(k, `the end line says ${rec[k]}, the archive holds ${this.counts[k]}`);
        }
        this.ended = true;
        this.job = undefined;
        return undefined;
      }
      default: {
        const never: never = rec;
        return never;
      }
    }
  }

  /** After the last line: the archive must have ended properly. */
  finish(): void {
    if (!this.header) throw new ArchiveError("line 1: (line): the file is empty: no archive header");
    if (!this.ended) throw new ArchiveError(`line ${this.line + 1}: (line): the archive ends without its end line (cut short?)`);
  }

  get source(): ArchiveHeader | undefined {
    return this.header;
  }

  /** The current job, when the record belongs to it and comes in its place (runs, events, logs). */
  private owner(n: number, what: "run" | "event" | "log", jobId: string, productId: string, phase: 1 | 2 | 3) {
    const j = this.job;
    if (!j) throw new ArchiveError(`line ${n}: ${what}.jobId: a ${what} line must follow its job's line`);
    if (jobId !== j.id) throw new ArchiveError(`line ${n}: ${what}.jobId: is ${jobId}, but this part of the archive belongs to job ${j.id}`);
    if (productId !== j.productId) throw new ArchiveError(`line ${n}: ${what}.productId: must be the job's ${j.productId}`);
    if (phase < j.phase) throw new ArchiveError(`line ${n}: (line): a ${what} line comes after the job's ${["job", "run", "event", "log"][j.phase]} lines: the order is runs, events, logs`);
    j.phase = phase;
    return j;
  }
}
