/**
 * The policies' state as the job page shows it, rebuilt from the manifest and the job's events
 * (the job view carries neither the approvals nor the dead-letter diagnostics):
 *   approvals   `review-policy: {reviewers: [...]}` + `approval:recorded` events
 *   dead letter the last `job:dead_lettered` event: the cause and every attempt's diagnostics
 *   budget      the last `budget:exceeded` after the last resume: why Resume needs a raised budget
 */
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export interface EventLike {
  seq: number;
  type: string;
  data?: unknown;
}

export interface ApprovalState {
  reviewers: string[];
  approved: string[];
  missing: string[];
}

/** undefined for a job whose review policy is not a reviewers list (approve is then the ship gate). */
export function approvalState(manifest: Record<string, unknown>, events: readonly EventLike[]): ApprovalState | undefined {
  const policy = manifest["review-policy"];
  if (!isObj(policy)) return undefined;
  const reviewers = strings(policy.reviewers);
  const approved: string[] = [];
  let missing: string[] | undefined;
  for (const e of events) {
    if (e.type !== "approval:recorded" || !isObj(e.data)) continue;
    if (typeof e.data.reviewer === "string" && !approved.includes(e.data.reviewer)) approved.push(e.data.reviewer);
    // The coordinator's own count (names normalized its way) wins over ours.
    missing = strings(e.data.missing);
  }
  const have = new Set(approved.map((a) => a.toLowerCase()));
  return { reviewers, approved, missing: missing ?? reviewers.filter((r) => !have.has(r.toLowerCase())) };
}

export interface AttemptDiagnostics {
  attempt: number;
  factoryId: string;
  engine: string;
  outcome: string;
  exitCode: number | null;
  endedBy: string;
  verify?: { passed: boolean; exitCode: number; output: string };
  lastLog: string[];
}

export interface DeadLetter {
  cause: string;
  attempts: AttemptDiagnostics[];
}

export function deadLetterOf(events: readonly EventLike[]): DeadLetter | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type !== "job:dead_lettered" || !isObj(e.data)) continue;
    const attempts = (Array.isArray(e.data.attempts) ? e.data.attempts : []).filter(isObj).map((a, n) => {
      const v = a.verify;
      return {
        attempt: typeof a.attempt === "number" ? a.attempt : n + 1,
        factoryId: typeof a.factoryId === "string" ? a.factoryId : "?",
        engine: typeof a.engine === "string" ? a.engine : "?",
        outcome: typeof a.outcome === "string" ? a.outcome : "unknown",
        exitCode: typeof a.exitCode === "number" ? a.exitCode : null,
        endedBy: typeof a.endedBy === "string" ? a.endedBy : "",
        ...(isObj(v) ? { verify: { passed: v.passed === true, exitCode: typeof v.exitCode === "number" ? v.exitCode : -1, output: typeof v.output === "string" ? v.output : "" } } : {}),
        lastLog: strings(a.lastLog),
      };
    });
    return { cause: typeof e.data.cause === "string" ? e.data.cause : "", attempts };
  }
  return undefined;
}

/** The breaches of the budget pause in force (none once a later resume was accepted). */
export function budgetPause(events: readonly EventLike[]): { reason: string; breaches: string[] } | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === "action:taken" && isObj(e.data) && e.data.action === "resume") return undefined;
    if (e.type === "budget:exceeded" && isObj(e.data)) return { reason: typeof e.data.reason === "string" ? e.data.reason : "", breaches: strings(e.data.breaches) };
  }
  return undefined;
}

export interface BudgetDraft {
  usd: string;
  tokens: string;
  wall: string;
}

export type BudgetRaise = { ok: true; budget: { usd?: number; tokens?: number; wall?: number } } | { ok: false; errors: Partial<Record<keyof BudgetDraft, string>> };

/**
 * The "resume with a raised budget" inputs → the action's `budget` (lib/api/jobs.ts: usd ≥ 0,
 * whole tokens, wall in whole ms). Empty fields are left out: the API keeps those ceilings. Wall is
 * typed the way job files write it (`45m`, `2h`).
 */
export function parseBudgetRaise(draft: BudgetDraft, parseWall: (s: string) => { ok: true; ms: number } | { ok: false; message: string }): BudgetRaise {
  const errors: Partial<Record<keyof BudgetDraft, string>> = {};
  const budget: { usd?: number; tokens?: number; wall?: number } = {};
  const usd = draft.usd.trim().replace(/^\$/, "");
  if (usd) {
    const n = Number(usd);
    if (!Number.isFinite(n) || n < 0) errors.usd = "dollars: a number, 0 or more";
    else budget.usd = n;
  }
  const tokens = draft.tokens.trim().replace(/[_,]/g, "");
  if (tokens) {
    const n = Number(tokens);
    if (!Number.isInteger(n) || n < 0) errors.tokens = "tokens: a whole number, 0 or more";
    else budget.tokens = n;
  }
  if (draft.wall.trim()) {
    const w = parseWall(draft.wall.trim());
    if (w.ok) budget.wall = w.ms;
    else errors.wall = w.message;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (Object.keys(budget).length === 0) return { ok: false, errors: { usd: "raise at least one ceiling" } };
  return { ok: true, budget };
}
