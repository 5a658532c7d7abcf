import "server-only";
import { createIndex, type SchedulerIndex } from "@/server/scheduler";
import type { CoordinatorContext } from "../context";
import { schedulerWeightsFrom } from "../scheduling";
import { RecentFailures } from "./failures";
import { PendingBook } from "./pending-book";
import { SnapshotSource } from "./snapshot-source";

/**
 * The scheduler's process-wide state for one coordinator context: the snapshot cache, the index the
 * decisions reuse, the pending notes of the last claim rounds, recent failures per factory, and
 * preemption bookkeeping. Kept on globalThis (like server/wiring.ts) because Next bundles each route
 * separately: the claim route and GET /jobs/{id} must share one instance.
 */
export class PlacementService {
  /** the claim path's index (claims, decisions, preemption) */
  readonly index: SchedulerIndex = createIndex();
  /** a separate index for on-read explanations, so a GET never churns the claim path's index */
  readonly explainIndex: SchedulerIndex = createIndex();
  readonly pending = new PendingBook();
  readonly failures = new RecentFailures();
  readonly source: SnapshotSource;
  /** critical job id → when it last preempted someone (one preemption per job per lease period) */
  readonly preemptedFor = new Map<string, number>();
  lastPreemptionPass = Number.NEGATIVE_INFINITY;

  constructor(readonly ctx: CoordinatorContext) {
    this.source = new SnapshotSource({
      store: ctx.store,
      settings: () => ctx.settings.get(),
      weights: (settings) => schedulerWeightsFrom(ctx.schedulerWeights, settings),
      queuedGeneration: () => ctx.notifier.queuedGeneration,
      offlineAfterMs: ctx.offlineAfterMs,
      seed: ctx.productId,
      recentFailures: (id, now) => this.failures.count(id, now),
      ttlMs: Math.max(50, Math.min(500, ctx.pollMs)),
    });
  }
}

const KEY = Symbol.for("gigafactory.placement");
const holder = globalThis as unknown as { [KEY]?: WeakMap<CoordinatorContext, PlacementService> };

export function placementOf(ctx: CoordinatorContext): PlacementService {
  const map = (holder[KEY] ??= new WeakMap());
  let svc = map.get(ctx);
  if (!svc) map.set(ctx, (svc = new PlacementService(ctx)));
  return svc;
}
