/**
 * The scheduler's explanation, shaped for people. Two sources, both read defensively (JSON of
 * unknown age):
 *   - the stored decision (`job.decision`, or the `decision:made` event's data): the claim's
 *     `Placement` (server/scheduler/types.ts) plus the coordinator's `pull` and `rejectedTotal`
 *     → "placed on mac-2 (claude) because …" + each score term + the runner-up candidates
 *   - `job.pending` on GET /jobs/{id} of a waiting job (the scheduler's explainPending, computed on
 *     read): {sentence, blocked, jobReasons, factories[{factoryId, name, reasons}], counts,
 *     placeableOn?, lastRound?} → "waiting because …" + every factory with every failed constraint
 * `explainJob` picks: a waiting job is explained by why it waits now, not by where it ran last.
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
  terms: TermRow[];
}

export interface RejectionRow {
  factory: string;
  reasons: { code: string; detail: string }[];
}

export interface PullInfo {
  /** the job's place in the claiming factory's ranking, and how many jobs it could run */
  rank: number;
  eligible: number;
  /** priority raised by waiting */
  aged?: { from: string; to: string };
  waitedMs: number;
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
      /** factories that could not take it, including those left out of `rejected` to keep it small */
      rejectedTotal: number;
      pull?: PullInfo;
    }
  | {
      kind: "unplaced";
      headline: string;
      jobReasons: { code: string; detail: string }[];
      factories: RejectionRow[];
      /** where it would run as soon as the job-level reasons clear (e.g. the kill switch is lifted) */
      placeableOn?: { factory: string; engine: string };
      /** what the last claim round said ("deferred to mac-2") and when */
      lastRound?: { reason: string; at: string };
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

function pull(v: unknown): PullInfo | undefined {
  if (!isObj(v) || typeof v.rank !== "number") return undefined;
  const aged = isObj(v.aged) && typeof v.aged.from === "string" && typeof v.aged.to === "string" ? { from: v.aged.from, to: v.aged.to } : undefined;
  return { rank: v.rank, eligible: num(v.eligible), waitedMs: num(v.waitedMs), ...(aged ? { aged } : {}) };
}

/**
 * A waiting job's `pending` (GET /jobs/{id}): undefined when there is none, so the caller can fall
 * back to the stored decision or the list's one-line reason.
 */
export function explainPending(pending: unknown): Explanation | undefined {
  if (!isObj(pending) || typeof pending.sentence !== "string") return undefined;
  const p = pending.placeableOn;
  const last = pending.lastRound;
  return {
    kind: "unplaced",
    // The scheduler's sentence sometimes starts with "waiting: …" itself; do not say it twice.
    headline: /^waiting\b/.test(pending.sentence) ? pending.sentence : `waiting because ${pending.sentence || "no factory can take it"}`,
    jobReasons: reasons(pending.jobReasons),
    factories: rejections(pending.factories),
    ...(isObj(p) ? { placeableOn: { factory: str(p.factoryName, str(p.factoryId, "?")), engine: str(p.engine, "?") } } : {}),
    ...(isObj(last) && typeof last.reason === "string" ? { lastRound: { reason: last.reason, at: str(last.at) } } : {}),
  };
}

export const WAITING_STAGES: readonly string[] = ["queued", "blocked", "paused"];

/** The explanation the job page shows: why it waits while it waits, else where (and why) it was placed. */
export function explainJob(job: {
  stage: string;
  pending?: unknown;
  decision?: unknown;
  pendingReason?: string;
  placedOn?: { factory: string; engine: string };
  factoryNames?: ReadonlyMap<string, string>;
}): Explanation {
  if (WAITING_STAGES.includes(job.stage)) {
    const waiting = explainPending(job.pending);
    if (waiting) return waiting;
    if (job.pendingReason) return { kind: "none", headline: `waiting because ${job.pendingReason}` };
  }
  return explainDecision(job.decision, job.pendingReason, job.placedOn, job.factoryNames);
}

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
        terms: terms(c.terms),
      }));
    const top = t.filter((x) => x.contribution > 0).slice(0, 3);
    const because = top.length ? ` because ${top.map((x) => `${x.name} ${round(x.value)}×${round(x.weight)}`).join(", ")}` : "";
    // The job stores the best few candidates only; feasibleCount says how many there were in all.
    const others = Math.max(0, num(decision.feasibleCount) || candidates.length) - 1;
    const rejected = rejections(decision.rejected);
    return {
      kind: "placed",
      headline: `placed on ${factory} (${engine})${because} (score ${round(num(decision.score))})${others > 0 ? `; ${others} other candidate${others > 1 ? "s" : ""} scored lower` : ""}`,
      factory,
      engine,
      score: num(decision.score),
      terms: t,
      candidates,
      rejected,
      rejectedTotal: Math.max(rejected.length, num(decision.rejectedTotal)),
      ...(pull(decision.pull) ? { pull: pull(decision.pull)! } : {}),
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
      rejectedTotal: 0,
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
      rejectedTotal: 0,
    };
  }
  if (pendingReason) return { kind: "none", headline: `waiting because ${pendingReason}` };
  return { kind: "none", headline: "no scheduling decision yet" };
}
