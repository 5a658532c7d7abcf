/**
 * The scheduler's declared pipeline, after Nomad's stack: job checks, then factory checks, then
 * scorers, each a table of `{name, scope, fn}`. The push view (place.ts), the pull fast path
 * (rank.ts, scheduler-index.ts), preemption and the explanations all iterate these tables, so a
 * check or a scorer added here is enforced, ranked and explained everywhere at once; nothing keeps a
 * second list by hand.
 *
 * A scope says what the entry depends on, which is what lets the fast path compute it once for many:
 * - job checks: `self` (the job alone: cached per job by the index) or `fleet` (the snapshot's
 *   shared state: kill switch, paused products, locks);
 * - factory checks: `static` (requirement × capability signature: cached per pair by the index),
 *   `factory` (the factory's state, whatever the job) or `station` (the factory's free stations
 *   for the job's engines);
 * - scorers: `group` (the same for every job of one requirement group on one factory), `job-factory`
 *   (this job on this factory) or `job` (the job alone, whatever the factory).
 */
import {
  checkBudgetLeft,
  checkCapabilitiesValid,
  checkCapability,
  checkDepsMet,
  checkEngineInstalled,
  checkEngineResolved,
  checkFactoryHealth,
  checkFactoryStatus,
  checkKillSwitch,
  checkLockFree,
  checkProductPaused,
  checkQueued,
  isReason,
  pickFreeStation,
  type JobCheckContext,
} from "./feasibility";
import { REASON } from "./reasons";
import type { FactoryOffer, Requirements } from "./requirements";
import { affinity, costFit, costSensitivity, fairness, health, loadScore, starvation, warmCheckout, type ScoreContext } from "./scorers";
import { SCORER_NAMES, type FactoryInput, type JobInput, type Reason, type ScoreTerm, type ScorerName } from "./types";

// ── job checks ───────────────────────────────────────────────────────────────────────────────

export type JobCheckScope = "self" | "fleet";

export type JobCheck =
  | { name: string; scope: "self"; fn: (job: JobInput, req: Requirements) => Reason | null }
  | {
      name: string;
      scope: "fleet";
      fn: (job: JobInput, req: Requirements, ctx: JobCheckContext) => Reason | null;
      /** false when the check cannot fail for any job of this snapshot (nothing paused, no lock held…) */
      active: (ctx: JobCheckContext) => boolean;
    };

/** In the order their reasons are reported. */
export const JOB_CHECKS: readonly JobCheck[] = [
  { name: "queued", scope: "self", fn: (job) => checkQueued(job) },
  { name: "kill-switch", scope: "fleet", fn: (_job, _req, ctx) => checkKillSwitch(ctx.snapshot), active: (ctx) => ctx.snapshot.killSwitch },
  { name: "product-paused", scope: "fleet", fn: (job, _req, ctx) => checkProductPaused(job, ctx.paused), active: (ctx) => ctx.paused.size > 0 },
  { name: "deps-met", scope: "self", fn: (job) => checkDepsMet(job) },
  { name: "budget-left", scope: "self", fn: (job) => checkBudgetLeft(job) },
  {
    name: "lock-free",
    scope: "fleet",
    fn: (job, _req, ctx) => checkLockFree(job, ctx.snapshot.locks),
    active: (ctx) => hasAnyKey(ctx.snapshot.locks),
  },
  { name: "capabilities-valid", scope: "self", fn: (_job, req) => checkCapabilitiesValid(req) },
  { name: "engine-resolved", scope: "self", fn: (_job, req) => checkEngineResolved(req) },
];

type JobScoped<S extends JobCheckScope> = Extract<JobCheck, { scope: S }>;
const jobChecksOf = <S extends JobCheckScope>(scope: S) => JOB_CHECKS.filter((c): c is JobScoped<S> => c.scope === scope);
const SELF_CHECKS = jobChecksOf("self");
const FLEET_JOB_CHECKS = jobChecksOf("fleet");

function hasAnyKey(o: object): boolean {
  for (const _ in o) return true;
  return false;
}

/** The fleet-state checks that can fail in this snapshot: the pull path runs these per job (the index caches the rest). */
export function activeFleetChecks(ctx: JobCheckContext): readonly JobScoped<"fleet">[] {
  return FLEET_JOB_CHECKS.filter((c) => c.active(ctx));
}

/** The first failure that depends on the job alone (cached per job by the index), or null. */
export function selfReason(job: JobInput, req: Requirements): Reason | null {
  for (const c of SELF_CHECKS) {
    const r = c.fn(job, req);
    if (r) return r;
  }
  return null;
}

/** Whether any of `checks` (activeFleetChecks) fails for the job: the pull path's per-job test. */
export function fleetBlocked(checks: readonly JobScoped<"fleet">[], job: JobInput, req: Requirements, ctx: JobCheckContext): boolean {
  for (const c of checks) if (c.fn(job, req, ctx)) return true;
  return false;
}

/** Every job-level failure, in table order. */
export function jobLevelReasons(job: JobInput, req: Requirements, ctx: JobCheckContext): Reason[] {
  const out: Reason[] = [];
  for (const c of JOB_CHECKS) {
    const r = c.scope === "self" ? c.fn(job, req) : c.fn(job, req, ctx);
    if (r) out.push(r);
  }
  return out;
}

// ── factory checks ───────────────────────────────────────────────────────────────────────────

export type FactoryCheck =
  | { name: string; scope: "static"; fn: (req: Requirements, offer: FactoryOffer) => Reason[] }
  | { name: string; scope: "factory"; fn: (factory: FactoryInput) => Reason | null }
  | { name: string; scope: "station"; fn: (req: Requirements, factory: FactoryInput) => Reason | null };

function unmetCapabilities(req: Requirements, offer: FactoryOffer): Reason[] {
  const out: Reason[] = [];
  for (const { cap, canonical } of req.caps) {
    const r = checkCapability(cap, canonical, offer);
    if (r) out.push(r);
  }
  return out;
}

export const FACTORY_CHECKS: readonly FactoryCheck[] = [
  // one reason per unmet requirement, never only the first
  { name: "capabilities", scope: "static", fn: unmetCapabilities },
  { name: "engine-installed", scope: "static", fn: (req, offer) => nonNull(checkEngineInstalled(req, offer)) },
  { name: "status", scope: "factory", fn: checkFactoryStatus },
  { name: "health", scope: "factory", fn: checkFactoryHealth },
  { name: "free-station", scope: "station", fn: (req, factory) => freeStationReason(req, factory) },
  { name: "pinned-factory", scope: "station", fn: pinnedFactoryReason },
];

/** A job pinned to one factory (`capabilities: [factory:<id>]`) runs there or nowhere. */
function pinnedFactoryReason(req: Requirements, factory: FactoryInput): Reason | null {
  if (req.pinFactory === undefined || req.pinFactory === factory.id || req.pinFactory === factory.name) return null;
  return { code: REASON.factoryPinned, detail: `the job must run on factory ${req.pinFactory}` };
}

function nonNull(r: Reason | null): Reason[] {
  return r ? [r] : [];
}

function freeStationReason(req: Requirements, factory: FactoryInput): Reason | null {
  const s = pickFreeStation(req, factory);
  return isReason(s) ? s : null;
}

type Scoped<S extends FactoryCheck["scope"]> = Extract<FactoryCheck, { scope: S }>;
const ofScope = <S extends FactoryCheck["scope"]>(scope: S) => FACTORY_CHECKS.filter((c): c is Scoped<S> => c.scope === scope);
const STATIC_CHECKS = ofScope("static");
const FACTORY_STATE_CHECKS = ofScope("factory");
const STATION_CHECKS = ofScope("station");

/** Requirement × capability failures (cached per signature pair by the index). */
export function staticReasons(req: Requirements, offer: FactoryOffer): Reason[] {
  const out: Reason[] = [];
  for (const c of STATIC_CHECKS) out.push(...c.fn(req, offer));
  return out;
}

/** Why the factory may take nothing right now, whatever the job (offline, draining, unhealthy). */
export function factoryStateReasons(factory: FactoryInput): Reason[] {
  const out: Reason[] = [];
  for (const c of FACTORY_STATE_CHECKS) {
    const r = c.fn(factory);
    if (r) out.push(r);
  }
  return out;
}

/** Whether a factory could start something now: the only possible deferral targets. */
export function factoryAvailable(factory: FactoryInput): boolean {
  for (const c of FACTORY_STATE_CHECKS) if (c.fn(factory)) return false;
  return true;
}

/** The per-job station failures (today: no free station for the job's engines). */
export function stationReasons(req: Requirements, factory: FactoryInput): Reason[] {
  const out: Reason[] = [];
  for (const c of STATION_CHECKS) {
    const r = c.fn(req, factory);
    if (r) out.push(r);
  }
  return out;
}

/** Whether every station check passes (stationReasons without building the list: the deferral scan's test). */
export function stationsOk(req: Requirements, factory: FactoryInput): boolean {
  for (const c of STATION_CHECKS) if (c.fn(req, factory)) return false;
  return true;
}

/** The engine the job would run with on this factory when the station checks pass, else null. */
export function freeEngine(req: Requirements, factory: FactoryInput): string | null {
  if (!stationsOk(req, factory)) return null;
  // The station checks passed, so one of the job's engines has a free station here.
  return (pickFreeStation(req, factory) as { engine: string }).engine;
}

/** Dynamic failures of a factory that passed the static checks; the engine to run when there are none. */
export function dynamicCheck(req: Requirements, factory: FactoryInput): { engine: string | null; reasons: Reason[] } {
  const reasons = [...factoryStateReasons(factory), ...stationReasons(req, factory)];
  return { engine: reasons.length > 0 ? null : freeEngine(req, factory), reasons };
}

// ── scorers ──────────────────────────────────────────────────────────────────────────────────

export type ScorerScope = "group" | "job-factory" | "job";

/** What a `group` scorer may look at: one requirement group on one factory. */
export interface GroupScoreInput {
  req: Requirements;
  factory: FactoryInput;
  offer: FactoryOffer;
  /** the cached capability fit of (requirements, offer) */
  capFit: number;
}

/** What a `job-factory` scorer may look at. */
export interface ScoreInput extends GroupScoreInput {
  job: JobInput;
}

/** Each fn returns a value in 0..1; a decision's score is Σ value × config weight. */
type ScorerDef =
  | { scope: "group"; fn: (s: GroupScoreInput, ctx: ScoreContext) => number }
  | { scope: "job-factory"; fn: (s: ScoreInput, ctx: ScoreContext) => number }
  | { scope: "job"; fn: (s: { job: JobInput }, ctx: ScoreContext) => number };

export type Scorer = ScorerDef & { name: ScorerName };

/** Keyed by name, so the compiler holds the table to exactly the names of SCORER_NAMES. */
const SCORER_TABLE: { [K in ScorerName]: ScorerDef } = {
  "capability-fit": { scope: "group", fn: (s) => s.capFit },
  affinity: { scope: "group", fn: (s) => affinity(s.req, s.factory, s.offer) },
  "warm-checkout": { scope: "group", fn: (s) => warmCheckout(s.req, s.offer) },
  load: { scope: "group", fn: (s) => loadScore(s.factory) },
  "cost-fit": { scope: "job-factory", fn: (s, ctx) => costFit(costSensitivity(s.job, ctx.config), s.factory, ctx.maxCostPerHour) },
  health: { scope: "group", fn: (s) => health(s.factory) },
  starvation: { scope: "job", fn: (s, ctx) => starvation(s.job, ctx) },
  fairness: { scope: "job", fn: (s, ctx) => fairness(s.job, ctx) },
};

/** In SCORER_NAMES order: the order of a decision's terms. */
export const SCORERS: readonly Scorer[] = SCORER_NAMES.map((name) => ({ name, ...SCORER_TABLE[name] }));

type ScorerOf<S extends ScorerScope> = Extract<Scorer, { scope: S }>;
const scorersOf = <S extends ScorerScope>(...scopes: S[]) => SCORERS.filter((s): s is ScorerOf<S> => (scopes as ScorerScope[]).includes(s.scope));
const FACTORY_SCORERS = scorersOf("group", "job-factory");
const GROUP_SCORERS = scorersOf("group");
const JOB_FACTORY_SCORERS = scorersOf("job-factory");
const JOB_SCORERS = scorersOf("job");

function weighted<I>(scorers: readonly { name: ScorerName; fn: (s: I, ctx: ScoreContext) => number }[], s: I, ctx: ScoreContext): number {
  let sum = 0;
  for (const sc of scorers) sum += ctx.config.weights[sc.name] * sc.fn(s, ctx);
  return sum;
}

function terms<I>(scorers: readonly { name: ScorerName; fn: (s: I, ctx: ScoreContext) => number }[], s: I, ctx: ScoreContext): ScoreTerm[] {
  return scorers.map((sc) => ({ name: sc.name, value: sc.fn(s, ctx), weight: ctx.config.weights[sc.name] }));
}

/** The factory-dependent terms (group and job-factory scorers), in table order. */
export function factoryTerms(s: ScoreInput, ctx: ScoreContext): ScoreTerm[] {
  return terms(FACTORY_SCORERS, s, ctx);
}

/** The terms that depend on the job alone (they order jobs for one factory). */
export function jobTerms(s: { job: JobInput }, ctx: ScoreContext): ScoreTerm[] {
  return terms(JOB_SCORERS, s, ctx);
}

/** Σ weight × value of the `group` scorers: computed once per requirement group by the fast path. */
export function groupScore(s: GroupScoreInput, ctx: ScoreContext): number {
  return weighted(GROUP_SCORERS, s, ctx);
}

/** Σ weight × value of the `job-factory` scorers. */
export function jobFactoryScore(s: ScoreInput, ctx: ScoreContext): number {
  return weighted(JOB_FACTORY_SCORERS, s, ctx);
}

/** Σ weight × value of the `job` scorers. */
export function jobScore(s: { job: JobInput }, ctx: ScoreContext): number {
  return weighted(JOB_SCORERS, s, ctx);
}

/** Σ of factoryTerms without building them (what deferral and preemption compare). */
export function factoryScore(s: ScoreInput, ctx: ScoreContext): number {
  return groupScore(s, ctx) + jobFactoryScore(s, ctx);
}

export function total(ts: readonly ScoreTerm[]): number {
  let sum = 0;
  for (const t of ts) sum += t.value * t.weight;
  return sum;
}
