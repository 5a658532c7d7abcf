/**
 * Shapes cost records into what the charts draw. Pure, so the chart components stay thin and the
 * arithmetic (days without spend, the burndown line, "nearest budget") is tested once here.
 */
import { utcDay } from "./format";

/** One unit of spend: a run, a cost event or a job total, attributed to the instant it was recorded. */
export interface CostEntry {
  at: number;
  usd: number;
  tokens: number;
  product: string;
  profile: string;
  engine: string;
  factory: string;
}

export type CostDimension = "product" | "profile" | "engine" | "factory";

export interface DayPoint {
  day: string;
  spend: number;
  cumulative: number;
  /** what is left of the period budget at the end of the day (undefined without a budget) */
  remaining?: number;
  /** the straight line from the full budget to zero over the period */
  ideal?: number;
}

const DAY = 86_400_000;
const cents = (x: number) => Math.round(x * 10_000) / 10_000;

/** Spend per UTC day over `days` days ending with the day of `now`, with a burndown against `budget`. */
export function spendPerDay(entries: CostEntry[], now: number, days: number, budget?: number): DayPoint[] {
  const byDay = new Map<string, number>();
  for (const e of entries) byDay.set(utcDay(e.at), (byDay.get(utcDay(e.at)) ?? 0) + e.usd);
  const points: DayPoint[] = [];
  let cumulative = 0;
  for (let i = days - 1; i >= 0; i--) {
    const day = utcDay(now - i * DAY);
    const spend = byDay.get(day) ?? 0;
    cumulative += spend;
    const index = days - 1 - i;
    points.push({
      day,
      spend: cents(spend),
      cumulative: cents(cumulative),
      remaining: budget === undefined ? undefined : cents(budget - cumulative),
      ideal: budget === undefined ? undefined : cents(budget - (budget * (index + 1)) / days),
    });
  }
  return points;
}

/** Total spend per value of one dimension, largest first; empty values are grouped as "(none)". */
export function spendBy(entries: CostEntry[], dimension: CostDimension): { name: string; usd: number; tokens: number }[] {
  const totals = new Map<string, { usd: number; tokens: number }>();
  for (const e of entries) {
    const name = e[dimension] || "(none)";
    const t = totals.get(name) ?? { usd: 0, tokens: 0 };
    t.usd += e.usd;
    t.tokens += e.tokens;
    totals.set(name, t);
  }
  return [...totals.entries()]
    .map(([name, t]) => ({ name, usd: cents(t.usd), tokens: t.tokens }))
    .sort((a, b) => b.usd - a.usd || a.name.localeCompare(b.name));
}

export interface BudgetedJob {
  id: string;
  title: string;
  stage: string;
  spentUsd: number;
  budgetUsd?: number;
  spentTokens: number;
  budgetTokens?: number;
}

export interface BudgetRow extends BudgetedJob {
  /** the larger of the usd and token fractions: how close the job is to being paused */
  fraction: number;
  limitedBy: "usd" | "tokens";
}

/** Jobs with a budget, nearest to (or past) it first. */
export function nearestBudget(jobs: BudgetedJob[], limit = 10): BudgetRow[] {
  const rows: BudgetRow[] = [];
  for (const j of jobs) {
    const usd = j.budgetUsd ? j.spentUsd / j.budgetUsd : undefined;
    const tokens = j.budgetTokens ? j.spentTokens / j.budgetTokens : undefined;
    if (usd === undefined && tokens === undefined) continue;
    const byTokens = (tokens ?? -1) > (usd ?? -1);
    rows.push({ ...j, fraction: byTokens ? tokens! : usd!, limitedBy: byTokens ? "tokens" : "usd" });
  }
  return rows.sort((a, b) => b.fraction - a.fraction || a.id.localeCompare(b.id)).slice(0, limit);
}

/** A job view reduced to one cost entry (its total spend, at its last update) and its budget row. */
export function jobCostEntry(
  job: { id: string; title: string; stage: string; productId: string; updatedAt: string; manifest: Record<string, unknown>; profile?: { name: string }; lease?: { engine: string; factoryId: string }; cost: { usd: number; tokensIn: number; tokensOut: number } },
  factoryNames: ReadonlyMap<string, string> = new Map(),
): { entry: CostEntry; budget: BudgetedJob } {
  const m = job.manifest;
  const budget = (typeof m.budget === "object" && m.budget !== null ? m.budget : {}) as { usd?: number; tokens?: number };
  const tokens = job.cost.tokensIn + job.cost.tokensOut;
  return {
    entry: {
      at: Date.parse(job.updatedAt) || 0,
      usd: job.cost.usd,
      tokens,
      product: job.productId,
      profile: job.profile?.name ?? (typeof m.profile === "string" ? m.profile : ""),
      engine: job.lease?.engine ?? (typeof m.engine === "string" ? m.engine : ""),
      factory: job.lease ? (factoryNames.get(job.lease.factoryId) ?? job.lease.factoryId) : "",
    },
    budget: { id: job.id, title: job.title, stage: job.stage, spentUsd: job.cost.usd, budgetUsd: budget.usd, spentTokens: tokens, budgetTokens: budget.tokens },
  };
}
