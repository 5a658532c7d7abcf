/**
 * The scheduler's public surface. Pure: no I/O, no clock, no randomness of its own — everything
 * comes from the snapshot, so any decision can be replayed and explained.
 */
export { placeJob, claimDecision } from "./place";
export { rankForFactory, type FactoryRanking, type RankedJob, type Deferral, type RankOptions } from "./rank";
export { explainPending, type PendingExplanation } from "./explain";
export { findPreemption, PREEMPTED, type PreemptionDecision } from "./preempt";
export { createIndex, type SchedulerOptions } from "./context";
export { SchedulerIndex } from "./scheduler-index";
export { DEFAULT_CONFIG, DEFAULT_ENGINE_CLASSES, resolveConfig, type SchedulerConfig, type SchedulerConfigInput } from "./config";
export { REASON, type ReasonCode } from "./reasons";
export { compileRequirements, describeFactoryOffer, repoKey } from "./requirements";
export { staticReasons, JOB_CHECKS, FACTORY_CHECKS, SCORERS, type JobCheck, type FactoryCheck, type Scorer } from "./pipeline";
export * from "./types";
