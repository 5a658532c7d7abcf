/**
 * The scorers. Each returns a value in 0..1 and carries a configurable weight; a decision's score
 * is Σ value × weight and every term is kept in the explanation. Factory-dependent scorers choose
 * among factories for one job; job-level scorers (starvation, fairness) order jobs for one factory.
 */
import type { SchedulerConfig } from "./config";
import { waitedMs } from "./priority";
import type { FactoryOffer, Requirements } from "./requirements";
import { satisfies } from "@/lib/capability";
import type { FactoryView, JobView, ScoreTerm, ScorerName } from "./types";

/** Fleet-wide facts the scorers compare against, computed once per decision. */
export interface ScoreContext {
  config: SchedulerConfig;
  now: number;
  maxCostPerHour: number;
  /** product → its fair share minus its used fraction, in -1..1 */
  productDeficit: ReadonlyMap<string, number>;
}

/** Capabilities that say nothing about scarcity: OS, versions, engines and names are matched elsewhere. */
export function countsForRarity(canonical: string): boolean {
  if (canonical.startsWith("os:") || canonical.startsWith("engine:") || canonical.startsWith("factory:")) return false;
  const colon = canonical.indexOf(":");
  return !(colon > 0 && /^v?\d+(\.\d+)*$/.test(canonical.slice(colon + 1)));
}

/**
 * Capability fit: a factory whose rare capabilities the job does not need is a worse fit, so a job
 * that needs nothing special leaves the only Xcode machine for the jobs that do.
 * `rareWeight` maps a rare capability to 1 − (fraction of factories advertising it).
 */
export function capabilityFit(req: Requirements, offer: FactoryOffer, rareWeight: ReadonlyMap<string, number>): number {
  let surplus = 0;
  for (const c of offer.advertised) {
    const w = rareWeight.get(c);
    if (w !== undefined && !req.needed.has(c)) surplus += w;
  }
  return 1 / (1 + surplus);
}

/** Share of the job's `prefers` hints this factory meets (0 when it gives none). */
export function affinity(req: Requirements, factory: FactoryView, offer: FactoryOffer): number {
  const total = req.preferFactories.length + req.preferCaps.length;
  if (total === 0) return 0;
  let met = 0;
  for (const f of req.preferFactories) if (f === factory.name || f === factory.id) met++;
  for (const c of req.preferCaps) if (satisfies(c, offer.advertised)) met++;
  return met / total;
}

export function warmCheckout(req: Requirements, offer: FactoryOffer): number {
  return req.repo !== undefined && offer.warm.has(req.repo) ? 1 : 0;
}

export function factoryLoad(factory: FactoryView): number {
  if (factory.load !== undefined) return Math.min(1, Math.max(0, factory.load));
  let slots = 0;
  let free = 0;
  for (const s of factory.stations) {
    slots += s.slots;
    free += s.free;
  }
  return slots > 0 ? (slots - free) / slots : 1;
}

export function loadScore(factory: FactoryView): number {
  return 1 - factoryLoad(factory);
}

/** How much cost should matter for this job: by priority, and fully when the budget is tight. */
export function costSensitivity(job: JobView, config: SchedulerConfig): number {
  const usd = job.budgetRemaining?.usd;
  if (usd !== undefined && usd <= config.tightBudgetUsd) return 1;
  return config.costSensitivity[job.manifest.priority];
}

export function costFit(sensitivity: number, factory: FactoryView, maxCostPerHour: number): number {
  const cheapness = maxCostPerHour > 0 ? 1 - Math.max(0, factory.costPerHour) / maxCostPerHour : 1;
  return sensitivity * cheapness;
}

export function health(factory: FactoryView): number {
  return 1 / (1 + Math.max(0, factory.recentFailures));
}

export function starvation(job: JobView, ctx: ScoreContext): number {
  const period = ctx.config.agingMs[job.manifest.priority];
  return period > 0 ? Math.min(1, waitedMs(job, ctx.now) / period) : 1;
}

/**
 * A product under its share scores above ½, one over it below. The deficit is amplified (a third
 * of a share over or under saturates the term) so that small imbalances already outweigh waiting
 * time at equal priority; otherwise the product that queued first would keep winning on age.
 */
export function fairness(job: JobView, ctx: ScoreContext): number {
  const deficit = ctx.productDeficit.get(job.productId) ?? 0;
  return Math.min(1, Math.max(0, 0.5 + 1.5 * deficit));
}

function term(name: ScorerName, value: number, ctx: ScoreContext): ScoreTerm {
  return { name, value, weight: ctx.config.weights[name] };
}

/** The factory-dependent terms, given the cached capability fit of (requirements, factory). */
export function factoryTerms(
  job: JobView,
  req: Requirements,
  factory: FactoryView,
  offer: FactoryOffer,
  capFit: number,
  ctx: ScoreContext,
): ScoreTerm[] {
  return [
    term("capability-fit", capFit, ctx),
    term("affinity", affinity(req, factory, offer), ctx),
    term("warm-checkout", warmCheckout(req, offer), ctx),
    term("load", loadScore(factory), ctx),
    term("cost-fit", costFit(costSensitivity(job, ctx.config), factory, ctx.maxCostPerHour), ctx),
    term("health", health(factory), ctx),
  ];
}

/** Σ value × weight of factoryTerms without building them (the claim path's hot loop). */
export function factoryScore(
  job: JobView,
  req: Requirements,
  factory: FactoryView,
  offer: FactoryOffer,
  capFit: number,
  ctx: ScoreContext,
): number {
  return (
    factoryScoreWithoutCost(req, factory, offer, capFit, ctx) +
    ctx.config.weights["cost-fit"] * costFit(costSensitivity(job, ctx.config), factory, ctx.maxCostPerHour)
  );
}

/** The part of factoryScore shared by every job of a requirement group (all but cost, which depends on priority and budget). */
export function factoryScoreWithoutCost(req: Requirements, factory: FactoryView, offer: FactoryOffer, capFit: number, ctx: ScoreContext): number {
  const w = ctx.config.weights;
  return (
    w["capability-fit"] * capFit +
    w.affinity * affinity(req, factory, offer) +
    w["warm-checkout"] * warmCheckout(req, offer) +
    w.load * loadScore(factory) +
    w.health * health(factory)
  );
}

export function jobTerms(job: JobView, ctx: ScoreContext): ScoreTerm[] {
  return [term("starvation", starvation(job, ctx), ctx), term("fairness", fairness(job, ctx), ctx)];
}

export function total(terms: readonly ScoreTerm[]): number {
  let s = 0;
  for (const t of terms) s += t.value * t.weight;
  return s;
}
