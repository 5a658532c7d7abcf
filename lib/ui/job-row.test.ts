import { describe, expect, it } from "vitest";
import type { JobView } from "./api-types";
import { toJobRow } from "./job-row";

const base: JobView = {
  id: "j1",
  productId: "web",
  title: "Fix login",
  stage: "queued",
  priority: "high",
  manifest: { profile: "fixer", "engine-class": "agentic-coder" },
  deps: [],
  blockedReasons: [],
  attempts: 0,
  epoch: 0,
  cost: { usd: 0.5, tokensIn: 0, tokensOut: 0, wallMs: 0 },
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:00.000Z",
};

describe("toJobRow", () => {
  it("carries the tracker item and its page, and nothing for a job from no tracker", () => {
    expect(toJobRow({ ...base, tracker: { item: "github:acme/shop#12", url: "https://github.com/acme/shop/issues/12" } }).tracker).toEqual({ item: "github:acme/shop#12", url: "https://github.com/acme/shop/issues/12" });
    expect(toJobRow({ ...base, tracker: { item: "linear:ENG-4" } }).tracker).toEqual({ item: "linear:ENG-4" });
    expect(toJobRow(base).tracker).toBeUndefined();
  });
  it("uses the manifest before a lease exists", () => {
    expect(toJobRow(base)).toMatchObject({ profile: "fixer", engine: "agentic-coder (class)", factory: "", costUsd: 0.5, createdAt: Date.UTC(2025, 0, 1) });
  });
  it("uses the lease's engine, the factory's name and the snapshot profile once assigned", () => {
    const row = toJobRow(
      {
        ...base,
        stage: "building",
        profile: { name: "fixer-v2", version: "abc" },
        lease: { id: "l1", epoch: 1, factoryId: "f1", engine: "claude", grantedAt: "x", expiresAt: "y" },
      },
      new Map([["f1", "mac-2"]]),
    );
    expect(row).toMatchObject({ profile: "fixer-v2", engine: "claude", factory: "mac-2" });
  });
  it("carries the pull request for the PR column, and nothing for a job without one", () => {
    expect("pr" in toJobRow(base)).toBe(false);
    const row = toJobRow({
      ...base,
      delivery: {
        mode: "pr",
        branch: "fleet/j1-fix",
        shipLabel: "Merge PR #12 (squash)",
        pr: { forge: "github", owner: "acme", repo: "web", number: 12, url: "https://github.com/acme/web/pull/12", state: "open", draft: true, headSha: "a".repeat(40), mergeable: null, mergeableState: "draft", checks: "pending", review: "none", refreshedAt: "2025-01-01T00:00:00.000Z" },
      },
    });
    expect(row.pr).toEqual({ number: 12, url: "https://github.com/acme/web/pull/12", state: "open", draft: true, owner: "acme", repo: "web" });
  });
});
