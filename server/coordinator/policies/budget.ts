import "server-only";
import type { Budget } from "@/lib/types";
import type { Cost } from "@/server/store/records";

/**
 * Budgets as pure checks. `budget.usd` and `budget.tokens` (in + out) are compared with the job's
 * cost over all attempts (live cost events included); `budget.wall` with the wall time of all ended
 * attempts plus the running one. Reaching a ceiling is crossing it: nothing is left to spend.
 */
export interface Spend {
  usd: number;
  tokens: number;
  wallMs: number;
}

export function spendOf(cost: Cost, runningMs = 0): Spend {
  return { usd: cost.usd, tokens: cost.tokensIn + cost.tokensOut, wallMs: cost.wallMs + Math.max(0, runningMs) };
}

/** Every ceiling the spend has reached, as a sentence (empty: within budget). */
export function budgetBreaches(budget: Budget, spend: Spend): string[] {
  const out: string[] = [];
  if (budget.usd !== undefined && spend.usd >= budget.usd) out.push(`usd ${round(spend.usd)} of ${budget.usd}`);
  if (budget.tokens !== undefined && spend.tokens >= budget.tokens) out.push(`tokens ${spend.tokens} of ${budget.tokens}`);
  if (budget.wall !== undefined && spend.wallMs >= budget.wall) out.push(`wall ${spend.wallMs} ms of ${budget.wall} ms`);
  return out;
}

/** What is left of each ceiling (absent: unlimited), for the scheduler and the claim response. */
export function budgetRemaining(budget: Budget, spend: Spend): { usd?: number; tokens?: number; wallMs?: number } {
  return {
    ...(budget.usd !== undefined ? { usd: Math.max(0, budget.usd - spend.usd) } : {}),
    ...(budget.tokens !== undefined ? { tokens: Math.max(0, budget.tokens - spend.tokens) } : {}),
    ...(budget.wall !== undefined ? { wallMs: Math.max(0, budget.wall - spend.wallMs) } : {}),
  };
}

/**
 * The claim response's `remaining`: what earlier attempts left of the job's ceilings, so the agent can
 * stop the run at the wall budget instead of the sweeper pausing it a tick later. Undefined when the
 * job has no ceiling (the agent then relies on `timeout` alone). Wall is rounded down to whole ms.
 */
export function remainingForClaim(budget: Budget, cost: Cost): { usd?: number; tokens?: number; wallMs?: number } | undefined {
  const left = budgetRemaining(budget, spendOf(cost));
  if (left.wallMs !== undefined) left.wallMs = Math.floor(left.wallMs);
  if (left.tokens !== undefined) left.tokens = Math.floor(left.tokens);
  return Object.keys(left).length > 0 ? left : undefined;
}

/** A raised budget for resume: the fields given replace the old ones, the others stay. */
export function raiseBudget(budget: Budget, raise: Budget | undefined): Budget {
  return { ...budget, ...(raise ?? {}) };
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}
