import "server-only";
import type { SchedulingSettingsRequest, SchedulingSettingsView } from "@/lib/api/operations";
import { MAX_SCORER_WEIGHT, SCORER_NAMES, type ScorerName } from "@/lib/scorers";
import { PRIORITIES } from "@/lib/types";
import { DEFAULT_CONFIG } from "@/server/scheduler";
import type { Settings } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { DEFAULT_SLA_MS } from "./sla";

/**
 * Scheduler weights and SLA targets as operator settings: defaults (server/scheduler/config.ts,
 * ./sla.ts), then the environment (FLEET_SCHED_WEIGHTS, FLEET_SLA_<PRIORITY>), then what the
 * Admin page saved, per name. The weights reach the scheduler as part of its snapshot
 * (placement/snapshot-source.ts), so the next decision after a save is made, and explained, with
 * them; the SLA targets drive the jobs table's overdue marker and the overdue metrics.
 */

/** The weights the scheduler should use over its defaults: env, then saved settings (unknown or bad saved names ignored). */
export function schedulerWeightsFrom(envWeights: CoordinatorContext["schedulerWeights"], settings: Settings): Partial<Record<ScorerName, number>> {
  const out: Partial<Record<ScorerName, number>> = { ...envWeights };
  const saved = settings.operations?.schedulerWeights ?? {};
  for (const name of SCORER_NAMES) {
    const v = saved[name];
    if (typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= MAX_SCORER_WEIGHT) out[name] = v;
  }
  return out;
}

export async function getSchedulingSettings(ctx: CoordinatorContext): Promise<SchedulingSettingsView> {
  const settings = await ctx.settings.get();
  const ops = settings.operations;
  const weights = schedulerWeightsFrom(ctx.schedulerWeights, settings);
  const savedWeights = ops?.schedulerWeights ?? {};
  const savedSla = ops?.slaMs ?? {};
  return {
    weights: Object.fromEntries(
      SCORER_NAMES.map((n) => [
        n,
        { value: weights[n] ?? DEFAULT_CONFIG.weights[n], default: DEFAULT_CONFIG.weights[n], from: savedWeights[n] !== undefined ? "settings" : ctx.schedulerWeights?.[n] !== undefined ? "env" : "default" },
      ]),
    ),
    slaMs: Object.fromEntries(
      PRIORITIES.map((p) => [
        p,
        { value: savedSla[p] ?? ctx.sla?.[p] ?? DEFAULT_SLA_MS[p], default: DEFAULT_SLA_MS[p], from: savedSla[p] !== undefined ? "settings" : ctx.sla?.[p] !== undefined ? "env" : "default" },
      ]),
    ),
    ...(ops?.schedulerWeights || ops?.slaMs ? { updatedAt: new Date(ops.updatedAt).toISOString(), by: ops.by } : {}),
  };
}

/** Saves the parts given (each replaces its saved part whole; `{}` clears it back to env/defaults). */
export async function saveSchedulingSettings(ctx: CoordinatorContext, req: SchedulingSettingsRequest, by: string): Promise<SchedulingSettingsView> {
  const cur = (await ctx.store.getSettings()).operations;
  const next = { ...cur, updatedAt: ctx.now(), by };
  if (req.weights !== undefined) next.schedulerWeights = dropUndefined(req.weights);
  if (req.slaMs !== undefined) next.slaMs = dropUndefined(req.slaMs);
  const settings = await ctx.store.saveOperationsSettings(next);
  ctx.settings.set(settings);
  return getSchedulingSettings(ctx);
}

function dropUndefined<T extends Record<string, number | undefined>>(o: T): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, number] => e[1] !== undefined));
}
