/**
 * The stage machine of a job. Every stage change in the system goes through `canTransition`; the
 * store refuses a write whose move is not in TRANSITIONS, so an illegal move is a bug caught at once.
 *
 *            ┌──────── blocked (deps unmet) ◄──┐
 *            ▼                                  │
 *   ──► queued ──claim──► assigned ──engine──► building ──exit 0──► review ──verify ok──► testing ──ship──► shipped
 *          ▲                 │                    │                   │  ▲                    │
 *          │   retry, lease  │                    │                   │  └ no verify: waits   │
 *          ├── lost, preempt ┴────────────────────┤                   ├──ship (human gate)────┼──► shipped
 *          │                                      ├──exit ≠ 0──► failed ◄── verify fail / reject
 *          │                                      └──retries exhausted──► dead_letter
 *          ├── requeue ◄── failed | dead_letter | cancelled
 *          └── resume  ◄── paused ◄── pause, budget exceeded, kill switch (queued|blocked|assigned|building)
 *   cancel: from any stage that is not shipped, cancelled or dead_letter.
 *
 * Phase-0 semantics: the engine exits 0 → `review`; with a `verify` command, pass → `testing`,
 * fail → `failed` (then the retry policy: `failed → queued` or, exhausted, `failed → dead_letter`);
 * without one the job stays in `review`. `ship` is the human gate, from `review` or `testing`.
 * `shipped` is final; `dead_letter` and `cancelled` are terminal until a person requeues them.
 * A move to the same stage is never a transition (callers treat it as a no-op, not as a change).
 */
import { STAGES, type Stage } from "./types";

export { STAGES, type Stage };

/** Legal moves: from → to → why this move happens (shown in events and error messages). */
export const TRANSITIONS: { readonly [F in Stage]: { readonly [T in Stage]?: string } } = {
  queued: {
    assigned: "claimed by a factory",
    blocked: "a dependency is not yet in testing or shipped",
    cancelled: "cancelled",
    paused: "paused (budget, kill switch or operator)",
  },
  blocked: {
    queued: "every dependency reached testing or shipped",
    cancelled: "cancelled",
    paused: "paused (budget, kill switch or operator)",
  },
  assigned: {
    building: "the engine started",
    review: "the engine exited 0",
    failed: "the engine failed",
    queued: "retry, lease lost or preempted",
    dead_letter: "retries exhausted",
    cancelled: "cancelled",
    paused: "paused (budget, kill switch or operator)",
  },
  building: {
    review: "the engine exited 0",
    failed: "the engine failed",
    queued: "retry, lease lost or preempted",
    dead_letter: "retries exhausted",
    cancelled: "cancelled",
    paused: "paused (budget, kill switch or operator)",
  },
  review: {
    testing: "verify passed",
    failed: "verify failed or rejected",
    shipped: "shipped by a person",
    cancelled: "cancelled",
  },
  testing: {
    shipped: "shipped",
    failed: "rejected",
    cancelled: "cancelled",
  },
  shipped: {},
  failed: {
    queued: "retry or requeue",
    dead_letter: "retries exhausted",
    cancelled: "cancelled",
  },
  dead_letter: {
    queued: "requeued by a person",
  },
  cancelled: {
    queued: "requeued by a person",
  },
  paused: {
    queued: "resumed",
    cancelled: "cancelled",
  },
};

/** Stages nothing leaves on its own: shipped for good; dead_letter and cancelled until a requeue. */
export const TERMINAL_STAGES: readonly Stage[] = ["shipped", "dead_letter", "cancelled"];
/** Stages in which a factory holds a lease on the job. */
export const LEASED_STAGES: readonly Stage[] = ["assigned", "building"];
/** Stages that satisfy a dependency on this job. */
export const DEP_SATISFIED_STAGES: readonly Stage[] = ["testing", "shipped"];

export function isStage(value: unknown): value is Stage {
  return typeof value === "string" && (STAGES as readonly string[]).includes(value);
}

export function isTerminal(stage: Stage): boolean {
  return TERMINAL_STAGES.includes(stage);
}

export function nextStages(from: Stage): Stage[] {
  return STAGES.filter((to) => TRANSITIONS[from][to] !== undefined);
}

export type TransitionCheck = { ok: true } | { ok: false; reason: string };

/** Whether `from → to` is a legal move; if not, a reason a person can act on. */
export function canTransition(from: Stage, to: Stage): TransitionCheck {
  if (!isStage(from)) return { ok: false, reason: `unknown stage "${String(from)}"` };
  if (!isStage(to)) return { ok: false, reason: `unknown stage "${String(to)}"` };
  if (TRANSITIONS[from][to] !== undefined) return { ok: true };
  if (from === to) return { ok: false, reason: `the job is already ${from}` };
  if (from === "shipped") return { ok: false, reason: `cannot move from shipped to ${to}: shipped is final` };
  const legal = nextStages(from);
  return { ok: false, reason: `cannot move from ${from} to ${to}; from ${from} a job can go to ${legal.join(", ")}` };
}

/** Why a legal move happens (for events), or undefined when the move is illegal. */
export function transitionCause(from: Stage, to: Stage): string | undefined {
  return TRANSITIONS[from]?.[to];
}

export const ACTIONS = ["approve", "ship", "reject", "requeue", "cancel", "pause", "resume", "retry_push"] as const;
export type Action = (typeof ACTIONS)[number];

export function isAction(value: unknown): value is Action {
  return typeof value === "string" && (ACTIONS as readonly string[]).includes(value);
}

/** What each operator action does: its target and the stages it may start from. */
export const ACTION_RULES: { readonly [A in Action]: { to: Stage; from: readonly Stage[]; what: string } } = {
  // approve and ship are the same human gate: approve is the reviewer's word for it.
  approve: { to: "shipped", from: ["review", "testing"], what: "approve (ship)" },
  ship: { to: "shipped", from: ["review", "testing"], what: "ship" },
  reject: { to: "failed", from: ["review", "testing"], what: "reject" },
  requeue: { to: "queued", from: ["failed", "dead_letter", "cancelled"], what: "requeue" },
  cancel: {
    to: "cancelled",
    from: ["queued", "blocked", "assigned", "building", "review", "testing", "failed", "paused"],
    what: "cancel",
  },
  pause: { to: "paused", from: ["queued", "blocked", "assigned", "building"], what: "pause" },
  resume: { to: "queued", from: ["paused"], what: "resume" },
  // The job stays in review; a push task takes the kept local branch to the remote (issue 15).
  retry_push: { to: "review", from: ["review"], what: "retry the push" },
};

export type ActionResult = { ok: true; to: Stage } | { ok: false; reason: string };

/** The stage an operator action moves a job to, or why the action is not possible now. */
export function applyAction(stage: Stage, action: Action): ActionResult {
  if (!isAction(action)) return { ok: false, reason: `unknown action "${String(action)}"; expected ${ACTIONS.join(", ")}` };
  if (!isStage(stage)) return { ok: false, reason: `unknown stage "${String(stage)}"` };
  const rule = ACTION_RULES[action];
  if (!rule.from.includes(stage)) {
    const where = stage === "shipped" ? "the job is shipped, which is final" : `the job is ${stage}`;
    return { ok: false, reason: `cannot ${rule.what}: ${where}; ${action} works from ${rule.from.join(", ")}` };
  }
  // An action that keeps the stage moves nothing. Every other action is also a legal transition;
  // the table stays the one source of truth.
  if (rule.to === stage) return { ok: true, to: stage };
  const check = canTransition(stage, rule.to);
  return check.ok ? { ok: true, to: rule.to } : check;
}

/** Phase-0 outcome rules: where a run leaves the job (the retry policy decides what happens to `failed`). */
export function stageAfterEngineExit(exitCode: number): Stage {
  return exitCode === 0 ? "review" : "failed";
}

export function stageAfterVerify(passed: boolean): Stage {
  return passed ? "testing" : "failed";
}
