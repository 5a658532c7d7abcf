/**
 * The scheduler's input and output. The input is a read-only snapshot assembled by the coordinator
 * (or the simulator) at one instant; the output is a decision that carries its own explanation.
 * Everything here is plain data (JSON-friendly) so a decision can be stored in a `decision:made`
 * event verbatim and shown by the UI.
 *
 * Times are milliseconds on the caller's clock (`now` is supplied, never read).
 */
import type { Manifest, Priority, Stage } from "@/lib/types";
import type { ScorerName } from "@/lib/scorers";
import type { ReasonCode } from "./reasons";

export type FactoryStatus = "online" | "offline" | "draining";

export interface StationView {
  engine: string;
  slots: number;
  /** slots not currently leased */
  free: number;
}

/** A lease currently running on a factory: what preemption may cancel. */
export interface RunningLeaseView {
  leaseId: string;
  jobId: string;
  productId: string;
  /** the job's manifest priority (not aged) */
  priority: Priority;
  engine: string;
  startedAt: number;
}

export interface FactoryInput {
  id: string;
  name: string;
  os: "mac" | "linux" | "windows";
  /** advertised strings: "os:linux", "has:xcode", "cred:github", "gpu", "node:20.11.1", … */
  capabilities: readonly string[];
  stations: readonly StationView[];
  /** 0..1; when absent, the busy fraction of the stations is used */
  load?: number;
  /** failed attempts on this factory in the recent window */
  recentFailures: number;
  healthy: boolean;
  status: FactoryStatus;
  costPerHour: number;
  /** repositories with a warm checkout ("web", "git@github.com:acme/web.git", or "repo:web") */
  warmRepos: readonly string[];
  running: readonly RunningLeaseView[];
}

export interface BudgetRemaining {
  usd?: number;
  tokens?: number;
  /** ms */
  wall?: number;
}

export interface JobInput {
  id: string;
  productId: string;
  manifest: Manifest;
  stage: Stage;
  createdAt: number;
  /** when the job (re)entered the queue: the clock its waiting time is measured from */
  queuedAt: number;
  attempts: number;
  depsMet: boolean;
  /** the resolved profile's `prefers-engine`, in order (empty when no profile or none listed) */
  preferEngines: readonly string[];
  /** what is left of the job's budget; absent = unlimited */
  budgetRemaining?: BudgetRemaining;
  /**
   * Bumped by the caller whenever the job changes. When snapshots are rebuilt from the store (new
   * objects each time), an unchanged revision lets the index reuse the compiled requirements.
   */
  revision?: number;
}

/** Per-product usage the coordinator keeps (e.g. run-seconds in a sliding window). */
export interface ProductCounters {
  used: number;
  /** relative share; default 1 */
  weight?: number;
}

export interface Snapshot {
  now: number;
  /** mixed with each job id to break ties; the same seed gives the same decisions */
  seed: string;
  jobs: readonly JobInput[];
  factories: readonly FactoryInput[];
  /** lock name → id of the job holding it */
  locks: Readonly<Record<string, string>>;
  killSwitch: boolean;
  pausedProducts: readonly string[];
  fairness: Readonly<Record<string, ProductCounters>>;
  /**
   * The operator's scorer weights (Admin page / FLEET_SCHED_WEIGHTS), over the configuration's.
   * Input like everything else, so a decision stays a function of its snapshot, and the weights in
   * its score terms are the ones it was made with.
   */
  weights?: Readonly<Partial<Record<ScorerName, number>>>;
}

export { SCORER_NAMES, type ScorerName } from "@/lib/scorers";

export interface ScoreTerm {
  name: ScorerName;
  /** 0..1 */
  value: number;
  weight: number;
}

export interface Reason {
  code: ReasonCode;
  detail: string;
}

export interface Candidate {
  factoryId: string;
  factoryName: string;
  engine: string;
  score: number;
  terms: ScoreTerm[];
}

export interface FactoryRejection {
  factoryId: string;
  name: string;
  reasons: Reason[];
}

export type ReasonCounts = Partial<Record<ReasonCode, number>>;

export interface Placement {
  kind: "placed";
  jobId: string;
  factoryId: string;
  factoryName: string;
  engine: string;
  score: number;
  terms: ScoreTerm[];
  /** the best feasible candidates, best first (the winner included), capped by config.maxCandidates */
  candidates: Candidate[];
  feasibleCount: number;
  /** factories that could not take the job, each with every failed constraint */
  rejected: FactoryRejection[];
  counts: ReasonCounts;
}

export interface Unplaced {
  kind: "unplaced";
  jobId: string;
  /** constraints that fail whatever the factory (kill switch, lock, deps, budget, …) */
  jobReasons: Reason[];
  /** every factory with every failed constraint */
  factories: FactoryRejection[];
  counts: ReasonCounts;
  /** a human sentence, e.g. "no factory has has:xcode: mac-1 offline, mac-2 draining" */
  explanation: string;
}

export type Decision = Placement | Unplaced;
