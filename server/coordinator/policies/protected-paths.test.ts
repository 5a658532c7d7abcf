import { describe, expect, it } from "vitest";
import { defaultSettings } from "@/server/store/rules/settings";
import type { JobRecord } from "@/server/store/records";
import { stageAfterAttempt, UNJUDGED_FILES } from "../completion";
import { protectedGlobsFor, protectedMatches, TOO_LONG } from "./protected-paths";

/** The protected-path rules as pure functions: what a glob catches, and where an attempt leaves the job. */
describe("protectedMatches", () => {
  const globs = ["packages/shared/**", ".github/**", "package-lock.json", "infra/**"];

  it("names each caught file once with the first glob that caught it, in path order", () => {
    expect(protectedMatches([...globs, "**/*.json"], ["src/a.ts", "package-lock.json", ".github/workflows/ci.yml", "package-lock.json", "web/package-lock.json"])).toEqual([
      { file: ".github/workflows/ci.yml", glob: ".github/**" },
      { file: "package-lock.json", glob: "package-lock.json" },
      { file: "web/package-lock.json", glob: "**/*.json" },
    ]);
  });

  it("catches nothing without globs or files, and not a look-alike path", () => {
    expect(protectedMatches([], ["infra/main.tf"])).toEqual([]);
    expect(protectedMatches(globs, [])).toEqual([]);
    expect(protectedMatches(globs, ["infrastructure/x", "packages/shared-ui/a.ts", "a/package-lock.json"])).toEqual([]);
  });

  it("a path segment no file system allows is caught without being matched", () => {
    const long = `src/${"a".repeat(300)}.ts`;
    expect(protectedMatches(globs, [long])).toEqual([{ file: long, glob: TOO_LONG }]);
  });

  it("a product's globs add to the fleet's", () => {
    const s = { ...defaultSettings(), operations: { protectedPaths: { globs: ["infra/**"], products: { web: ["web/**", "infra/**"] } }, updatedAt: 0, by: "a" } };
    expect(protectedGlobsFor(s, "web")).toEqual(["infra/**", "web/**"]);
    expect(protectedGlobsFor(s, "api")).toEqual(["infra/**"]);
    expect(protectedGlobsFor(defaultSettings(), "web")).toEqual([]);
  });
});

describe("stageAfterAttempt with protected paths", () => {
  const job = (policy: unknown) => ({ manifest: { "review-policy": policy, "allowed-scope": [], retry: { max: 0, backoff: 0, on: [] } }, attempts: 0, cost: { usd: 0, tokensIn: 0, tokensOut: 0, wallMs: 0 } }) as unknown as JobRecord;
  const green = { epoch: 1, outcome: "succeeded" as const, exitCode: 0, verify: { passed: true, exitCode: 0, output: "" } };

  it("auto stops in review naming the file and glob; clean changes still ship", () => {
    const caught = stageAfterAttempt(job("auto"), { ...green, scope: { changed: ["infra/main.tf"], outOfScope: [] } }, 0, () => 0, ["infra/**"]);
    expect(caught).toMatchObject({ stage: "review", protectedPaths: [{ file: "infra/main.tf", glob: "infra/**" }] });
    expect(caught.cause).toContain("infra/main.tf (matched infra/**)");
    expect(caught.autoShip).toBeUndefined();
    expect(stageAfterAttempt(job("auto"), { ...green, scope: { changed: ["src/a.ts"], outOfScope: [] } }, 0, () => 0, ["infra/**"]).stage).toBe("shipped");
  });

  it("commits with no scope report are unjudged, so auto does not ship them; with no globs nothing changes", () => {
    const unjudged = stageAfterAttempt(job("auto"), { ...green, commits: ["abc"] }, 0, () => 0, ["infra/**"]);
    expect(unjudged).toMatchObject({ stage: "review", protectedPaths: [{ file: UNJUDGED_FILES }] });
    expect(stageAfterAttempt(job("auto"), { ...green, commits: ["abc"] }, 0, () => 0, []).stage).toBe("shipped");
  });

  it("manual keeps its own path and carries the mark", () => {
    expect(stageAfterAttempt(job("manual"), { ...green, scope: { changed: ["infra/x"], outOfScope: [] } }, 0, () => 0, ["infra/**"])).toMatchObject({ stage: "testing", protectedPaths: [{ file: "infra/x" }] });
  });
});
