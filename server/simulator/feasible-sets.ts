/**
 * Which factories could ever run each job (capabilities and installed engines only), computed
 * with the scheduler's own static checks. Shared by the lower bound, the FIFO baseline and the
 * unplaceable report so that all three agree with the scheduler on what "capable" means.
 */
import { compileRequirements, describeFactoryOffer, resolveConfig, staticReasons, type SchedulerConfig } from "@/server/scheduler";
import type { Requirements } from "@/server/scheduler/requirements";
import { jobView, factoryView } from "./views";
import type { Trace } from "./trace";

export interface Capable {
  req: Requirements;
  /** names of the factories that pass every static check */
  factories: string[];
}

export function capableFactories(trace: Trace, config: SchedulerConfig = resolveConfig()): Map<string, Capable> {
  const offers = trace.factories.map((f) => ({ name: f.name, offer: describeFactoryOffer(factoryView(f)) }));
  const out = new Map<string, Capable>();
  for (const j of trace.jobs) {
    const req = compileRequirements(jobView(j, 0), config);
    const ok = req.invalid.length === 0 && req.engines.length > 0;
    out.set(j.id, { req, factories: ok ? offers.filter((o) => staticReasons(req, o.offer).length === 0).map((o) => o.name) : [] });
  }
  return out;
}
