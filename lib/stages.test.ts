import { describe, expect, it } from "vitest";
import {
  ACTIONS,
  ACTION_RULES,
  STAGES,
  TRANSITIONS,
  applyAction,
  canTransition,
  isTerminal,
  nextStages,
  stageAfterEngineExit,
  stageAfterVerify,
  transitionCause,
  type Action,
  type Stage,
} from "./stages";

// The legal moves, written out independently of the table so a slip in either one shows up.
const LEGAL = new Set([
  "queued→assigned",
  "queued→blocked",
  "queued→cancelled",
  "queued→paused",
  "blocked→queued",
  "blocked→cancelled",
  "blocked→paused",
  "assigned→building",
  "assigned→review",
  "assigned→failed",
  "assigned→queued",
  "assigned→dead_letter",
  "assigned→cancelled",
  "assigned→paused",
  "building→review",
  "building→failed",
  "building→queued",
  "building→dead_letter",
  "building→cancelled",
  "building→paused",
  "review→testing",
  "review→failed",
  "review→shipped",
  "review→cancelled",
  "testing→shipped",
  "testing→failed",
  "testing→cancelled",
  "failed→queued",
  "failed→dead_letter",
  "failed→cancelled",
  "dead_letter→queued",
  "cancelled→queued",
  "paused→queued",
  "paused→cancelled",
]);

describe("the full transition matrix", () => {
  const pairs = STAGES.flatMap((from) => STAGES.map((to) => [from, to] as const));

  it("covers all 11 × 11 pairs", () => {
    expect(STAGES).toHaveLength(11);
    expect(pairs).toHaveLength(121);
  });

  it.each(pairs)("%s → %s", (from, to) => {
    const r = canTransition(from, to);
    const legal = LEGAL.has(`${from}→${to}`);
    expect(r.ok).toBe(legal);
    if (legal) {
      expect(transitionCause(from, to)).toMatch(/\w/);
    } else {
      expect(transitionCause(from, to)).toBeUndefined();
      if (!r.ok) {
        expect(r.reason).toContain(from);
        if (from !== to) expect(r.reason).toContain(to);
      }
    }
  });

  it("the table has exactly the legal moves", () => {
    const fromTable = STAGES.flatMap((f) => nextStages(f).map((t) => `${f}→${t}`));
    expect(new Set(fromTable)).toEqual(LEGAL);
  });
});

describe("canTransition reasons", () => {
  it("shipped is final", () => {
    for (const to of STAGES) {
      const r = canTransition("shipped", to);
      expect(r.ok).toBe(false);
    }
    expect(canTransition("shipped", "queued")).toEqual({ ok: false, reason: expect.stringContaining("final") });
  });

  it("a move to the same stage is not a transition", () => {
    expect(canTransition("review", "review")).toEqual({ ok: false, reason: "the job is already review" });
  });

  it("an illegal move lists where the job can go", () => {
    expect(canTransition("queued", "shipped")).toEqual({
      ok: false,
      reason: "cannot move from queued to shipped; from queued a job can go to blocked, assigned, cancelled, paused",
    });
  });

  it("unknown stages are refused, not thrown", () => {
    expect(canTransition("nope" as Stage, "queued").ok).toBe(false);
    expect(canTransition("queued", "nope" as Stage).ok).toBe(false);
  });

  it("terminal stages", () => {
    expect(STAGES.filter(isTerminal)).toEqual(["shipped", "dead_letter", "cancelled"]);
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...STAGES].sort());
  });
});

describe("Phase-0 semantics", () => {
  it("exit 0 → review, else failed; verify pass → testing, fail → failed", () => {
    expect(stageAfterEngineExit(0)).toBe("review");
    expect(stageAfterEngineExit(1)).toBe("failed");
    expect(stageAfterVerify(true)).toBe("testing");
    expect(stageAfterVerify(false)).toBe("failed");
    expect(canTransition("building", stageAfterEngineExit(0)).ok).toBe(true);
    expect(canTransition("review", stageAfterVerify(true)).ok).toBe(true);
    expect(canTransition("review", stageAfterVerify(false)).ok).toBe(true);
  });
});

describe("operator actions", () => {
  const expected: Record<Action, { to: Stage; from: Stage[] }> = {
    approve: { to: "shipped", from: ["review", "testing"] },
    ship: { to: "shipped", from: ["review", "testing"] },
    reject: { to: "failed", from: ["review", "testing"] },
    requeue: { to: "queued", from: ["failed", "dead_letter", "cancelled"] },
    cancel: { to: "cancelled", from: ["queued", "blocked", "assigned", "building", "review", "testing", "failed", "paused"] },
    pause: { to: "paused", from: ["queued", "blocked", "assigned", "building"] },
    resume: { to: "queued", from: ["paused"] },
    retry_push: { to: "review", from: ["review"] },
  };

  const cases = ACTIONS.flatMap((a) => STAGES.map((s) => [a, s] as const));
  it.each(cases)("%s from %s", (action, stage) => {
    const r = applyAction(stage, action);
    const e = expected[action];
    if (e.from.includes(stage)) {
      expect(r).toEqual({ ok: true, to: e.to });
    } else {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(new RegExp(`^cannot .*${stage}`));
    }
  });

  it("every action is a legal transition from each stage it starts from (or keeps the stage)", () => {
    for (const a of ACTIONS) for (const f of ACTION_RULES[a].from) if (f !== ACTION_RULES[a].to) expect(canTransition(f, ACTION_RULES[a].to).ok).toBe(true);
  });

  it("unknown actions are refused with the list", () => {
    const r = applyAction("review", "merge" as Action);
    expect(r).toEqual({ ok: false, reason: expect.stringContaining("approve, ship, reject") });
    expect(applyAction("nope" as Stage, "ship").ok).toBe(false);
  });

  it("ship from shipped says it is final", () => {
    expect(applyAction("shipped", "ship")).toEqual({ ok: false, reason: expect.stringContaining("final") });
  });
});
