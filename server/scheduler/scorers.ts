/**
 * The scorers. Each returns a value in 0..1 and carries a configurable weight; a decision's score
 * is Σ value × weight and every term is kept in the explanation. Factory-dependent scorers choose
 * among factories for one job; job-level scorers (starvation, fairness) order jobs for one factory.
 * pipeline.ts declares them, with their scope and order, in one table.
 */
import type { SchedulerConfig } from "./config";
import { waitedMs } from "./priority";
import type { FactoryOffer, Requirements } from "./requirements";
import { satisfies } from "@/lib/capability";
import type { FactoryInput, JobInput } from "./types";

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
export function affinity(req: Requirements, factory: FactoryInput, offer: FactoryOffer): number {
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

export function factoryLoad(factory: FactoryInput): number {
  if (factory.load !== undefined) return Math.min(1, Math.max(0, factory.load));
  let slots = 0;
  let free = 0;
  for (const s of factory.stations) {
    slots += s.slots;
    free += s.free;
  }
  return slots > 0 ? (slots - free) / slots : 1;
}

export function loadScore(factory: FactoryInput): number {
  return 1 - factoryLoad(factory);
}

/** How much cost should matter for this job: by priority, and fully when the budget is tight. */
export function costSensitivity(job: JobInput, config: SchedulerConfig): number {
  const usd = job.budgetRemaining?.usd;
  if (usd !== undefined && usd <= config.tightBudgetUsd) return 1;
  return config.costSensitivity[job.manifest.priority];
}

export function costFit(sensitivity: number, factory: FactoryInput, maxCostPerHour: number): number {
  const cheapness = maxCostPerHour > 0 ? 1 - Math.max(0, factory.costPerHour) / maxCostPerHour : 1;
  return sensitivity * cheapness;
}

export function health(factory: FactoryInput): number {
  return 1 / (1 + Math.max(0, factory.recentFailures));
}

export function starvation(job: JobInput, ctx: ScoreContext): number {
  const period = ctx.config.agingMs[job.manifest.priority];
  return period > 0 ? Math.min(1, waitedMs(job, ctx.now) / period) : 1;
}

/**
 * A product under its share scores above ½, one over it below. The deficit is amplified (a third
 * of a share over or under saturates the term) so that small imbalances already outweigh waiting
 * time at equal priority; otherwise the product that queued first would keep winning on age.
 */
export function fairness(job: JobInput, ctx: ScoreContext): number {
  const deficit = ctx.productDeficit.get(job.productId) ?? 0;
  return Math.min(1, Math.max(0, 0.5 + 1.5 * deficit));
}
