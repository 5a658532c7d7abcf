import "server-only";
import type { ScorerName } from "@/lib/scorers";
import type { Priority } from "@/lib/types";
import type { AlertEnv } from "@/server/alerts/types";
import type { RetentionEnv } from "@/server/retention/types";
import type { ForgeConfig } from "@/server/forge";
import type { TrackerConfig } from "@/server/tracker/config";
import type { Store } from "@/server/store/port";
import type { Settings } from "@/server/store/records";
import type { Metrics } from "./metrics";
import type { Notifier } from "./notifier";
import type { LogRedactors } from "./redaction";
import type { ProfileSource } from "./job-input";
import { PlacementService } from "./placement/service";
import { resolvePolicy, type PolicyConfig } from "./policies/config";

/**
 * Everything the coordinator functions share, state included: the coordinator keeps no module-level
 * or globalThis state of its own (DESIGN house style). Built once by createCoordinatorContext, in
 * server/wiring.ts (tests build their own); two contexts in one process share nothing.
 */
export interface CoordinatorContext extends Omit<CoordinatorOptions, "policy"> {
  /** the issue-5 policy knobs, resolved over their defaults */
  readonly policy: PolicyConfig;
  /** the scheduler's snapshot cache, indexes, pending notes and preemption bookkeeping */
  readonly placement: PlacementService;
  /** jobs this context's claim rounds are claiming right now: concurrent claimers skip them */
  readonly claiming: Set<string>;
  /** `jobId:epoch` of the stalls already raised here, so each attempt raises one (a hint, not correctness) */
  readonly raisedStalls: Set<string>;
}

/** What a context is built from: its dependencies and settings. */
export interface CoordinatorOptions {
  store: Store;
  now: () => number;
  productId: string;
  leaseTtlMs: number;
  heartbeatMs: number;
  offlineAfterMs: number;
  /** how often a waiting long poll or stream re-reads the store (covers other app instances) */
  pollMs: number;
  notifier: Notifier;
  metrics: Metrics;
  redactors: LogRedactors;
  profiles: ProfileSource;
  settings: SettingsCache;
  /** issue 5 policy settings (jitter source, stall and failure-spike thresholds); defaults in policies/config.ts */
  policy?: Partial<PolicyConfig>;
  /** SLA targets per priority from the environment (FLEET_SLA_<PRIORITY>); settings override them (sla.ts) */
  sla?: Partial<Record<Priority, number>>;
  /** scheduler scorer weights from the environment (FLEET_SCHED_WEIGHTS); settings override them (scheduling.ts) */
  schedulerWeights?: Partial<Record<ScorerName, number>>;
  /** alert sinks and delivery knobs from the environment (server/alerts/config.ts) */
  alerts?: AlertEnv;
  /** retention limits from the environment (server/retention); off when absent */
  retention?: RetentionEnv;
  /** forge hosts and adapters (server/forge); absent: github.com is the only forge, plain git ships */
  forge?: ForgeConfig;
  /** trackers for intake and write-back (server/tracker); absent: tracker items are only labels on jobs */
  tracker?: TrackerConfig;
}

export function createCoordinatorContext(o: CoordinatorOptions): CoordinatorContext {
  const { policy, ...rest } = o;
  return {
    ...rest,
    policy: resolvePolicy(policy),
    placement: new PlacementService(o),
    claiming: new Set(),
    raisedStalls: new Set(),
  };
}

/**
 * Settings (the kill switch) are read on every claim and heartbeat; a short cache keeps that off the
 * store. Writes through this instance refresh it at once; another instance's toggle is seen within
 * `ttlMs`.
 */
export class SettingsCache {
  private value?: { settings: Settings; at: number };
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly ttlMs = 1000,
  ) {}

  async get(): Promise<Settings> {
    const t = this.now();
    if (this.value && t - this.value.at < this.ttlMs) return this.value.settings;
    const settings = await this.store.getSettings();
    this.value = { settings, at: t };
    return settings;
  }

  set(settings: Settings): void {
    this.value = { settings, at: this.now() };
  }
}
