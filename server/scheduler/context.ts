/**
 * Per-decision context: the index brought in line with the snapshot, plus the fleet-wide numbers
 * every scorer compares against (fair shares, the most expensive factory). Built once per call.
 */
import { resolveConfig, type SchedulerConfigInput } from "./config";
import type { JobCheckContext } from "./feasibility";
import { SchedulerIndex } from "./scheduler-index";
import type { ScoreContext } from "./scorers";
import type { Snapshot } from "./types";

export interface SchedulerOptions {
  /** ignored when `index` is given (the index carries its own configuration) */
  config?: SchedulerConfigInput;
  /** reuse across calls to avoid recompiling unchanged jobs and factories */
  index?: SchedulerIndex;
}

export interface DecisionContext extends ScoreContext, JobCheckContext {
  index: SchedulerIndex;
}

/** Creates an index to pass to successive decisions (the coordinator's claim path, the simulator). */
export function createIndex(config?: SchedulerConfigInput): SchedulerIndex {
  return new SchedulerIndex(resolveConfig(config));
}

/**
 * Fair share: each product with queued work or recorded usage is entitled to weight ÷ Σ weights of
 * the fleet; its deficit is that share minus the fraction of usage it actually had.
 */
export function productDeficits(snapshot: Snapshot, queuedProducts: Iterable<string>): Map<string, number> {
  const products = new Set<string>(queuedProducts);
  for (const [p, c] of Object.entries(snapshot.fairness)) if (c.used > 0) products.add(p);
  let weights = 0;
  let used = 0;
  for (const p of products) {
    const c = snapshot.fairness[p];
    weights += c?.weight ?? 1;
    used += Math.max(0, c?.used ?? 0);
  }
  const out = new Map<string, number>();
  for (const p of products) {
    const c = snapshot.fairness[p];
    const share = (c?.weight ?? 1) / weights;
    const usedFraction = used > 0 ? Math.max(0, c?.used ?? 0) / used : 0;
    out.set(p, share - usedFraction);
  }
  return out;
}

export function prepare(snapshot: Snapshot, options: SchedulerOptions = {}): DecisionContext {
  const index = options.index ?? createIndex(options.config);
  index.sync(snapshot);
  // Weights only scale scores (nothing the index caches depends on them), so the snapshot's may
  // replace the index's per decision.
  const config = snapshot.weights ? { ...index.config, weights: { ...index.config.weights, ...snapshot.weights } } : index.config;
  return {
    index,
    snapshot,
    config,
    now: snapshot.now,
    paused: new Set(snapshot.pausedProducts),
    maxCostPerHour: index.maxCostPerHour(),
    productDeficit: productDeficits(snapshot, index.queuedProducts()),
  };
}
