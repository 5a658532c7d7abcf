/**
 * One job on one factory: the static reasons (cached per signature pair), the dynamic reasons, and,
 * when it fits, the engine and the score terms. Shared by the push view (placeJob), the pull view
 * (rankForFactory), explanations and preemption so they can never disagree.
 */
import type { DecisionContext } from "./context";
import { dynamicCheck, factoryTerms, total } from "./pipeline";
import { REASON } from "./reasons";
import type { FactoryEntry, JobEntry } from "./scheduler-index";
import type { Reason, ScoreTerm } from "./types";

export type FactoryFit =
  | { ok: true; engine: string; terms: ScoreTerm[]; score: number }
  | { ok: false; staticOk: boolean; reasons: Reason[] };

export function evaluateOnFactory(entry: JobEntry, fe: FactoryEntry, ctx: DecisionContext): FactoryFit {
  const st = ctx.index.staticFor(entry.group, fe.offer);
  const dyn = dynamicCheck(entry.group.req, fe.factory);
  if (st.reasons.length === 0 && dyn.engine !== null) {
    const terms = factoryTerms({ job: entry.job, req: entry.group.req, factory: fe.factory, offer: fe.offer, capFit: st.capFit }, ctx);
    return { ok: true, engine: dyn.engine, terms, score: total(terms) };
  }
  // With no station for the job's engines at all, "no free station" would only repeat it.
  const noEngine = st.reasons.some((r) => r.code === REASON.engineUnavailable);
  const dynamic = noEngine ? dyn.reasons.filter((r) => r.code !== REASON.noFreeStation) : dyn.reasons;
  return { ok: false, staticOk: st.reasons.length === 0, reasons: [...st.reasons, ...dynamic] };
}
