// The manifest's secret scan has no depth past which a value goes unscanned (issue 14 §5: it used
// to stop at depth 20), and a deep value costs its size, not depth².
import { describe, expect, it } from "vitest";
import { scanForSecrets } from "./schema";
import { problemsOf } from "./test-helpers";

const token = "ghp_" + Array.from({ length: 36 }, (_, i) => "aB3xQ9kZ"[(i * 7) % 8]).join("");

function nested(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

describe("scanForSecrets", () => {
  it("finds a secret at depth 25 in a job file (flow YAML)", () => {
    const flow = "[".repeat(25) + JSON.stringify(token) + "]".repeat(25);
    const problems = problemsOf(`x-deep: ${flow}`);
    expect(problems.some((p) => p.path === `x-deep${"[0]".repeat(25)}` && /GitHub token/.test(p.message))).toBe(true);
  });

  it("finds a secret 100 000 levels down, without recursion, and spells its path", () => {
    const hits = scanForSecrets(nested(100_000, token));
    expect(hits).toHaveLength(1);
    expect(hits[0]!.kind).toBe("github-token");
    expect(hits[0]!.path).toHaveLength(100_000);
    expect(hits[0]!.path.slice(0, 3)).toEqual([0, "k", 0]);
  });

  it("a secret as a field name is reported without the name", () => {
    expect(scanForSecrets(nested(30, { [token]: 1 }))).toEqual([{ path: [...(scanForSecrets(nested(30, token))[0]!.path), "(a field name)"], kind: "github-token" }]);
  });
});
