import "server-only";
import { createIndex, type SchedulerIndex } from "@/server/scheduler";
import type { ScorerName } from "@/lib/scorers";
import type { Store } from "@/server/store/port";
import type { Settings } from "@/server/store/records";
import type { Notifier } from "../notifier";
import { schedulerWeightsFrom } from "../scheduling";
import { RecentFailures } from "./failures";
import { PendingBook } from "./pending-book";
import { SnapshotSource } from "./snapshot-source";

/**
 * The scheduler's state for one coordinator context (`ctx.placement`, built with the context by
 * createCoordinatorContext): the snapshot cache, the index the decisions reuse, the pending notes of
 * the last claim rounds, recent failures per factory, and preemption bookkeeping. The claim route and
 * GET /jobs/{id} share it because they share the context (server/wiring.ts keeps that on globalThis).
 */
export interface PlacementDeps {
  store: Store;
  settings: { get(): Promise<Settings> };
  notifier: Pick<Notifier, "queuedGeneration">;
  offlineAfterMs: number;
  productId: string;
  pollMs: number;
  schedulerWeights?: Partial<Record<ScorerName, number>>;
}

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

  constructor(ctx: PlacementDeps) {
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
