import "server-only";
import type { JobRecord, RunRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";

/** Event series moved by the lease path: what a grant and a finished attempt add to /metrics. */

/** A first grant observes the job's wait from submit (per product and priority: fairness). */
export function noteGrant(ctx: CoordinatorContext, job: JobRecord, now: number): void {
  if (job.epoch !== 1) return;
  const m = ctx.metrics;
  m.jobWait.observe({ product: m.products.label(job.productId), priority: job.priority }, Math.max(0, (now - job.createdAt) / 1000));
}

/** A finished attempt: its wall time by engine and outcome, its cost and tokens by product and engine. */
export function noteRunEnd(ctx: CoordinatorContext, job: JobRecord, run: RunRecord, now: number): void {
  const m = ctx.metrics;
  const engine = m.engines.label(run.engine);
  const product = m.products.label(job.productId);
  m.runDuration.observe({ engine, outcome: run.outcome ?? "unknown" }, Math.max(0, ((run.endedAt ?? now) - run.startedAt) / 1000));
  m.costUsd.inc({ product, engine }, Math.max(0, run.cost.usd));
  m.tokens.inc({ product, engine, direction: "in" }, Math.max(0, run.cost.tokensIn));
  m.tokens.inc({ product, engine, direction: "out" }, Math.max(0, run.cost.tokensOut));
}
