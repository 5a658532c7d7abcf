import "server-only";
import { log } from "@/server/log";
import type { CoordinatorContext } from "@/server/coordinator/context";
import type { DeliveryRecord } from "@/server/store/ops-records";
import { alertSinks, MAX_ATTEMPTS, type AlertSinks } from "./config";
import { sendDelivery } from "./send";

/**
 * The alert outbox: due deliveries are sent, each taken first by a conditional write that pushes
 * its next attempt out by IN_FLIGHT_MS (so another instance does not send it at the same time, and
 * a crash mid-send retries it later: at-least-once). A failure records the error and backs off
 * exponentially (retryMs · 2^(attempt-1), capped at an hour); after MAX_ATTEMPTS the delivery is
 * given up but kept, shown on the Admin page with its last error, and can be retried by hand.
 */
const IN_FLIGHT_MS = 60_000;
const MAX_BACKOFF_MS = 3_600_000;
const BATCH = 20;

export function backoffMs(attempt: number, retryMs: number): number {
  return Math.min(MAX_BACKOFF_MS, retryMs * 2 ** Math.max(0, attempt - 1));
}

/** Takes one delivery and sends it; false when another instance took it first. */
export async function attemptDelivery(ctx: CoordinatorContext, d: DeliveryRecord, sinks: AlertSinks): Promise<boolean> {
  const now = ctx.now();
  const taken: DeliveryRecord = { ...d, attempts: d.attempts + 1, nextAttemptAt: now + IN_FLIGHT_MS };
  if (!(await ctx.store.saveDelivery(taken, d.version))) return false;
  const version = d.version + 1;
  const { nextAttemptAt: _inFlight, lastError: _previous, ...rest } = taken;
  try {
    await sendDelivery(taken, sinks);
    // The last error stays beside deliveredAt: the Admin page shows what it took.
    await ctx.store.saveDelivery({ ...rest, ...(d.lastError ? { lastError: d.lastError } : {}), deliveredAt: ctx.now() }, version);
  } catch (err) {
    const lastError = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    const failed = taken.attempts >= MAX_ATTEMPTS;
    log.warn({ delivery: d.id, sink: d.sink, attempt: taken.attempts, err: lastError, gaveUp: failed }, "alert delivery failed");
    await ctx.store.saveDelivery(
      failed ? { ...rest, lastError, gaveUpAt: ctx.now() } : { ...rest, lastError, nextAttemptAt: ctx.now() + backoffMs(taken.attempts, sinks.retryMs) },
      version,
    );
  }
  return true;
}

export async function deliverDue(ctx: CoordinatorContext): Promise<number> {
  const due = await ctx.store.listDeliveries({ dueBy: ctx.now(), limit: BATCH });
  if (due.length === 0) return 0;
  const sinks = await alertSinks(ctx);
  let n = 0;
  for (const d of due) if (await attemptDelivery(ctx, d, sinks)) n++;
  return n;
}

/** The Admin page's *Retry now* for a given-up or backing-off delivery. */
export async function retryDelivery(ctx: CoordinatorContext, id: string): Promise<DeliveryRecord | undefined> {
  const d = (await ctx.store.listDeliveries({ limit: 500 })).find((x) => x.id === id);
  if (!d || d.deliveredAt !== undefined) return d;
  const { gaveUpAt: _g, ...rest } = d;
  const again: DeliveryRecord = { ...rest, nextAttemptAt: ctx.now() };
  if (!(await ctx.store.saveDelivery(again, d.version))) return d;
  await attemptDelivery(ctx, { ...again, version: d.version + 1 }, await alertSinks(ctx));
  return (await ctx.store.listDeliveries({ limit: 500 })).find((x) => x.id === id);
}
