// Globs whose matching would backtrack for long are refused at validation (issue 14 §4), naming the
// field; the globs people write still pass.
import { describe, expect, it } from "vitest";
import pm from "picomatch/posix";
import { expectProblem, manifestOf } from "./test-helpers";
import { GLOB_LIMITS } from "./values";
import { cpuMs } from "../testing/cpu-clock";

describe("glob complexity is bounded", () => {
  it.each([
    ["'*a*a*a*a*a*b'", /at most 2 wildcards/],
    ["'src/*?*x'", /at most 2 wildcards/],
    ["'+(a|aa)b'", /extglobs/],
    ["'@(x|y)/**'", /extglobs/],
    ["'a/**/b/**/c/**/d/**/e/**/f'", /at most 4 \*\* segments/],
    ["'{a,b}/{c,d}/{e,f}'", /at most 2 brace groups/],
    ["'{a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q}'", /at most 16 brace alternatives/],
    [`'src/${"a".repeat(253)}'`, /longer than 256/],
  ])("allowed-scope: %s", (glob, message) => {
    expectProblem(`allowed-scope: [${glob}]`, "allowed-scope[0]", message);
    expectProblem(`artifacts: [${glob}]`, "artifacts[0]", message);
  });

  it.each(["src/**", "**/*.test.ts", "docs/*.{md,mdx}", "packages/*/src/**/*.ts", "*-*.json", "a/**/b/**/c"])("a usual glob passes: %s", (glob) => {
    expect(manifestOf(`allowed-scope: ['${glob}']`)["allowed-scope"]).toEqual([glob]);
  });

  it("the worst glob admitted grows linearly with the number of paths and at most quadratically with a name", () => {
    // The worst admitted shape: the maximum wildcards in one segment, a near-miss on every name.
    const glob = "**/" + "*a".repeat(GLOB_LIMITS.wildcardsPerSegment) + "b";
    expect(manifestOf(`allowed-scope: ['${glob}']`)["allowed-scope"]).toEqual([glob]);
    const match = pm(glob, { dot: true });
    const time = (names: string[]) => {
      let min = Infinity;
      for (let r = 0; r < 3; r++) {
        const t = cpuMs();
        for (const n of names) match(n);
        min = Math.min(min, cpuMs() - t);
      }
      return Math.max(min, 0.05);
    };
    const names = (count: number) => Array.from({ length: count }, (_, i) => `dir${i}/${"a".repeat(255)}`);
    const few = names(400);
    const many = names(3_200);
    time(few); // warm the JIT
    const ratio = time(many) / time(few);
    expect(ratio).toBeLessThan(16);
  });
});
