import "server-only";
import type { JobPatch } from "@/server/store/port";
import type { JobRecord } from "@/server/store/records";
import { logPos } from "@/server/store/shared";
import { alertEvent } from "./alerts";
import type { NextStage } from "./completion";
import type { CoordinatorContext } from "./context";
import { jobEvent, type JobEvent } from "./events";

/**
 * What the coordinator writes with and after a decided attempt end (completion.ts decides): the
 * job patch and events that go in the completing write, and — once the run is recorded — the
 * dead-letter diagnostics of every attempt, so a job that gives up never loses why.
 */
const LOG_TAIL_LINES = 20;
const LOG_PAGES = 20;
const VERIFY_TAIL = 4_000;

export function attemptPatch(next: NextStage, job?: Pick<JobRecord, "protectedPaths" | "task">): JobPatch | undefined {
  if (next.stage === "paused") return { pendingReason: next.cause };
  if (next.stage === "queued") return { pendingReason: `retry: ${next.cause}` };
  // The protected files are those of the latest engine attempt: a later clean one clears the mark
  // (a delivery task, such as the merge after a person's Ship, keeps it: it ran no engine).
  if (next.protectedPaths) return { protectedPaths: next.protectedPaths };
  if (job?.protectedPaths && !job.task) return { protectedPaths: null };
  return undefined;
}

export function attemptEvents(next: NextStage, now: number): JobEvent[] {
  if (next.protectedPaths) return [jobEvent("gate:protected", now, { files: next.protectedPaths })];
  if (next.stage !== "paused" || !next.budget) return [];
  return [
    jobEvent("budget:exceeded", now, { reason: next.cause, breaches: next.budget }),
    alertEvent("budget_exceeded", next.cause, now),
  ];
}

/** After the write: a job that landed in dead_letter gets its diagnostics and an alert. */
export async function afterAttemptEnd(ctx: CoordinatorContext, job: JobRecord, cause: string): Promise<void> {
  if (job.stage !== "dead_letter") return;
  const now = ctx.now();
  await ctx.store.appendEvents(job.id, [
    jobEvent("job:dead_lettered", now, { cause, attempts: await attemptDiagnostics(ctx, job.id) }),
    alertEvent("dead_letter", `${job.title}: ${cause}`, now),
  ]);
}

/** Every attempt: factory, engine, outcome, exit code, verify output (tail), last log lines. */
export async function attemptDiagnostics(ctx: CoordinatorContext, jobId: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const run of await ctx.store.listRuns(jobId)) {
    out.push({
      attempt: run.attempt,
      factoryId: run.factoryId,
      engine: run.engine,
      startedAt: new Date(run.startedAt).toISOString(),
      ...(run.endedAt !== undefined ? { endedAt: new Date(run.endedAt).toISOString() } : {}),
      endedBy: run.endedBy ?? null,
      outcome: run.outcome ?? (run.endedBy === "lease_expired" ? "lease_lost" : null),
      exitCode: run.exitCode ?? null,
      ...(run.verify ? { verify: { passed: run.verify.passed, exitCode: run.verify.exitCode, output: run.verify.output.slice(-VERIFY_TAIL) } } : {}),
      lastLog: await logTail(ctx, jobId, run.epoch),
    });
  }
  return out;
}

async function logTail(ctx: CoordinatorContext, jobId: string, epoch: number): Promise<string[]> {
  let after = logPos(epoch, 0);
  const end = logPos(epoch + 1, 0);
  let tail: string[] = [];
  for (let page = 0; page < LOG_PAGES; page++) {
    const chunks = (await ctx.store.readLog(jobId, after, 500)).filter((c) => c.pos < end);
    if (chunks.length === 0) break;
    tail = [...tail, ...chunks.flatMap((c) => c.text.split("\n"))].filter((l) => l !== "").slice(-LOG_TAIL_LINES);
    after = chunks[chunks.length - 1]!.pos;
    if (chunks.length < 500) break;
  }
  return tail;
}
