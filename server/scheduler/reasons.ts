/**
 * Constant reason codes for every feasibility check. They are stored in events, counted per
 * decision, and matched by the UI, so they never change spelling.
 */
export const REASON = {
  // job-level: fail whatever the factory
  notQueued: "not_queued",
  killSwitch: "kill_switch",
  productPaused: "product_paused",
  depsUnmet: "deps_unmet",
  budgetExhausted: "budget_exhausted",
  lockHeld: "lock_held",
  capabilityInvalid: "capability_invalid",
  noEngine: "no_engine",
  // factory-level, static (capabilities and installed engines)
  osMismatch: "os_mismatch",
  capabilityMissing: "capability_missing",
  versionUnmet: "version_unmet",
  gpuMissing: "gpu_missing",
  engineUnavailable: "engine_unavailable",
  // factory-level, dynamic (state right now)
  factoryOffline: "factory_offline",
  factoryDraining: "factory_draining",
  factoryUnhealthy: "factory_unhealthy",
  noFreeStation: "no_free_station",
  factoryPinned: "factory_pinned",
} as const;

export type ReasonCode = (typeof REASON)[keyof typeof REASON];

/** Reasons that say "not now" rather than "never": the factory could take the job later. */
export const TRANSIENT_FACTORY_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  REASON.factoryOffline,
  REASON.factoryDraining,
  REASON.factoryUnhealthy,
  REASON.noFreeStation,
]);
