/**
 * The scheduler's explanation, shaped for people. The coordinator stores the scheduler's decision
 * verbatim (server/scheduler/types.ts: `Placement` | `Unplaced`); this module reads it defensively
 * (it arrives as JSON of unknown age) and turns it into sentences and rows:
 *   placed   → "placed on mac-2 (claude) because …" + each score term (value × weight)
 *   unplaced → "waiting because …" + every factory with every failed constraint
 */

export interface TermRow {
  name: string;
  value: number;
  weight: number;
  /** value × weight: the term's share of the score */
  contribution: number;
}

export interface CandidateRow {
  factory: string;
  engine: string;
  score: number;
  winner: boolean;
}

export interface RejectionRow {
  factory: string;
  reasons: { code: string; detail: string }[];
}

export type Explanation =
  | {
      kind: "placed";
      headline: string;
      factory: string;
      engine: string;
      score: number;
      terms: TermRow[];
      candidates: CandidateRow[];
      rejected: RejectionRow[];
    }
  | {
      kind: "unplaced";
      headline: string;
      jobReasons: { code: string; detail: string }[];
      factories: RejectionRow[];
    }
  | { kind: "none"; headline: string };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function reasons(v: unknown): { code: string; detail: string }[] {
  return arr(v)
    .filter(isObj)
    .map((r) => ({ code: str(r.code, "?"), detail: str(r.detail, str(r.message)) }));
}

function rejections(v: unknown): RejectionRow[] {
  return arr(v)
    .filter(isObj)
    .map((f) => ({ factory: str(f.name, str(f.factoryName, str(f.factoryId, "?"))), reasons: reasons(f.reasons) }));
}

/** Terms sorted by contribution, largest first: the top one is "because" in the headline. */
function terms(v: unknown): TermRow[] {
  return arr(v)
    .filter(isObj)
    .map((t) => ({ name: str(t.name, "?"), value: num(t.value), weight: num(t.weight), contribution: num(t.value) * num(t.weight) }))
    .sort((a, b) => b.contribution - a.contribution);
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * `placedOn` is where the job's current or last attempt runs, used when the coordinator stored no
 * decision (e.g. it placed the job without the scheduler): the page still says where, and that the
 * score breakdown is missing rather than pretending there was none.
 */
export function explainDecision(
  decision: unknown,
  pendingReason?: string,
  placedOn?: { factory: string; engine: string },
  factoryNames: ReadonlyMap<string, string> = new Map(),
): Explanation {
  if (isObj(decision) && decision.kind === "placed") {
    const factory = str(decision.factoryName, str(decision.factoryId, "?"));
    const engine = str(decision.engine, "?");
    const t = terms(decision.terms);
    const winnerId = str(decision.factoryId);
    const candidates = arr(decision.candidates)
      .filter(isObj)
      .map((c) => ({
        factory: str(c.factoryName, str(c.factoryId, "?")),
        engine: str(c.engine, "?"),
        score: num(c.score),
        winner: str(c.factoryId) === winnerId && str(c.engine) === engine,
      }));
    const top = t.filter((x) => x.contribution > 0).slice(0, 3);
    const because = top.length
      ? ` because ${top.map((x) => `${x.name} ${round(x.value)}×${round(x.weight)}`).join(", ")}`
      : "";
    const others = Math.max(0, candidates.length - 1);
    return {
      kind: "placed",
      headline: `placed on ${factory} (${engine}) with score ${round(num(decision.score))}${because}${others ? `; ${others} other candidate${others > 1 ? "s" : ""} scored lower` : ""}`,
      factory,
      engine,
      score: num(decision.score),
      terms: t,
      candidates,
      rejected: rejections(decision.rejected),
    };
  }
  if (isObj(decision) && decision.kind === "unplaced") {
    const jobReasons = reasons(decision.jobReasons);
    const factories = rejections(decision.factories);
    const sentence =
      str(decision.explanation) ||
      pendingReason ||
      [...jobReasons.map((r) => r.detail || r.code), ...factories.map((f) => `${f.factory}: ${f.reasons.map((r) => r.detail || r.code).join("; ")}`)].join("; ") ||
      "no factory can take it";
    return { kind: "unplaced", headline: `waiting because ${sentence}`, jobReasons, factories };
  }
  // The coordinator's own choice (before or without the scheduler): {factoryId, engine, reason}.
  if (isObj(decision) && typeof decision.reason === "string" && typeof decision.factoryId === "string") {
    const factory = str(decision.factoryName) || factoryNames.get(decision.factoryId) || decision.factoryId;
    const engine = str(decision.engine, placedOn?.engine ?? "?");
    return {
      kind: "placed",
      headline: `placed on ${factory} (${engine}) because ${decision.reason}`,
      factory,
      engine,
      score: 0,
      terms: [],
      candidates: [],
      rejected: [],
    };
  }
  if (placedOn) {
    return {
      kind: "placed",
      headline: `placed on ${placedOn.factory} (${placedOn.engine}); no score breakdown was recorded`,
      factory: placedOn.factory,
      engine: placedOn.engine,
      score: 0,
      terms: [],
      candidates: [],
      rejected: [],
    };
  }
  if (pendingReason) return { kind: "none", headline: `waiting because ${pendingReason}` };
  return { kind: "none", headline: "no scheduling decision yet" };
}
