/**
 * Tunables of the scheduler. Every weight is visible in each decision's score terms, so a change
 * here is explainable after the fact. Defaults are chosen so that, at equal priority, fairness
 * between products outweighs a single soft preference, and capability conservation outweighs load.
 */
import type { Priority } from "@/lib/types";
import type { ScorerName } from "./types";

export interface SchedulerConfig {
  weights: Record<ScorerName, number>;
  /** waiting this long promotes a job one priority level (never above `high`), and ends deferral */
  agingMs: Record<Priority, number>;
  /** engine-class → engines in the order tried when the profile names none */
  engineClasses: Readonly<Record<string, readonly string[]>>;
  /** the class used when a job names neither `engine` nor `engine-class` */
  defaultEngineClass: string;
  /** a capability advertised by at most this fraction of factories is "rare" */
  rareFraction: number;
  /** a factory must beat the claimer by this much (factory-dependent score) to make a job wait for it */
  deferMargin: number;
  /** how cost-sensitive each priority is (0 = ignore cost, 1 = cheapest wins) */
  costSensitivity: Record<Priority, number>;
  /** a job with at most this many USD left is treated as fully cost-sensitive */
  tightBudgetUsd: number;
  /** candidates kept in a placement's explanation */
  maxCandidates: number;
  /** jobs returned by rankForFactory (the coordinator tries them in order) */
  rankLimit: number;
}

export const DEFAULT_ENGINE_CLASSES: Readonly<Record<string, readonly string[]>> = {
  "agentic-coder": ["claude", "codex", "gemini", "copilot", "aider", "devin"],
  "autonomous-agent": ["devin", "claude", "codex"],
  "pair-programmer": ["aider", "copilot", "claude"],
  shell: ["shell"],
};

const MINUTE = 60_000;

export const DEFAULT_CONFIG: SchedulerConfig = {
  weights: {
    "capability-fit": 3,
    affinity: 1,
    "warm-checkout": 1,
    load: 1,
    "cost-fit": 1,
    health: 1,
    starvation: 1,
    fairness: 4,
  },
  agingMs: { critical: 10 * MINUTE, high: 30 * MINUTE, medium: 30 * MINUTE, low: 30 * MINUTE },
  engineClasses: DEFAULT_ENGINE_CLASSES,
  defaultEngineClass: "agentic-coder",
  rareFraction: 0.5,
  deferMargin: 0.5,
  costSensitivity: { critical: 0, high: 0.2, medium: 0.5, low: 1 },
  tightBudgetUsd: 1,
  maxCandidates: 10,
  rankLimit: 20,
};

export type SchedulerConfigInput = Partial<Omit<SchedulerConfig, "weights" | "agingMs" | "costSensitivity">> & {
  weights?: Partial<SchedulerConfig["weights"]>;
  agingMs?: Partial<SchedulerConfig["agingMs"]>;
  costSensitivity?: Partial<SchedulerConfig["costSensitivity"]>;
};

/** Fills a partial configuration from the defaults (nested records merged key by key). */
export function resolveConfig(input: SchedulerConfigInput = {}): SchedulerConfig {
  return {
    ...DEFAULT_CONFIG,
    ...input,
    weights: { ...DEFAULT_CONFIG.weights, ...input.weights },
    agingMs: { ...DEFAULT_CONFIG.agingMs, ...input.agingMs },
    costSensitivity: { ...DEFAULT_CONFIG.costSensitivity, ...input.costSensitivity },
  };
}
