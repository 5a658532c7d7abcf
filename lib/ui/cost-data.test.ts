import { describe, expect, it } from "vitest";
import { jobCostEntry, nearestBudget, spendBy, spendPerDay, type CostEntry } from "./cost-data";

const at = (d: number) => Date.UTC(2025, 0, d, 12);
const entry = (d: number, usd: number, more: Partial<CostEntry> = {}): CostEntry => ({
  at: at(d),
  usd,
  tokens: usd * 1000,
  product: "web",
  profile: "fixer",
  engine: "claude",
  factory: "mac-1",
  ...more,
});

describe("spendPerDay", () => {
  it("fills days without spend and burns the budget down", () => {
    const points = spendPerDay([entry(1, 2), entry(3, 1), entry(3, 0.5)], at(4), 4, 10);
    expect(points.map((p) => p.day)).toEqual(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]);
    expect(points.map((p) => p.spend)).toEqual([2, 0, 1.5, 0]);
    expect(points.map((p) => p.remaining)).toEqual([8, 8, 6.5, 6.5]);
    expect(points.map((p) => p.ideal)).toEqual([7.5, 5, 2.5, 0]);
  });
  it("has no burndown without a budget and ignores spend outside the window in the daily bars", () => {
    const points = spendPerDay([entry(1, 5)], at(10), 2);
    expect(points.every((p) => p.spend === 0 && p.remaining === undefined)).toBe(true);
  });
});

describe("spendBy", () => {
  it("totals one dimension, largest first, grouping blanks", () => {
    const rows = spendBy([entry(1, 1, { engine: "codex" }), entry(1, 3), entry(2, 1, { engine: "" })], "engine");
    expect(rows).toEqual([
      { name: "claude", usd: 3, tokens: 3000 },
      { name: "(none)", usd: 1, tokens: 1000 },
      { name: "codex", usd: 1, tokens: 1000 },
    ]);
  });
});

describe("nearestBudget", () => {
  it("ranks by the tighter of usd and tokens and skips unbudgeted jobs", () => {
    const rows = nearestBudget([
      { id: "a", title: "A", stage: "building", spentUsd: 1, budgetUsd: 10, spentTokens: 900, budgetTokens: 1000 },
      { id: "b", title: "B", stage: "paused", spentUsd: 6, budgetUsd: 5, spentTokens: 0 },
      { id: "c", title: "C", stage: "queued", spentUsd: 100, spentTokens: 0 },
    ]);
    expect(rows.map((r) => [r.id, r.limitedBy, Math.round(r.fraction * 100)])).toEqual([
      ["b", "usd", 120],
      ["a", "tokens", 90],
    ]);
  });
});

describe("jobCostEntry", () => {
  it("reads spend, dimensions and budget from a job view", () => {
    const { entry, budget } = jobCostEntry(
      {
        id: "j",
        title: "T",
        stage: "shipped",
        productId: "web",
        updatedAt: "2025-01-02T00:00:00Z",
        manifest: { engine: "shell", budget: { usd: 2, tokens: 1000 } },
        lease: { engine: "claude", factoryId: "f1" },
        cost: { usd: 1, tokensIn: 10, tokensOut: 5 },
      },
      new Map([["f1", "mac-1"]]),
    );
    expect(entry).toEqual({ at: Date.UTC(2025, 0, 2), usd: 1, tokens: 15, product: "web", profile: "", engine: "claude", factory: "mac-1" });
    expect(budget).toMatchObject({ budgetUsd: 2, budgetTokens: 1000, spentTokens: 15 });
  });
});
