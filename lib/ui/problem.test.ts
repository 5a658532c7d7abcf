import { describe, expect, it } from "vitest";
import { problemText, toProblemView } from "./problem";

describe("toProblemView", () => {
  it("keeps every field message and the policy facts of a scope violation", () => {
    const p = toProblemView(409, {
      title: "Scope violation",
      code: "scope_violation",
      detail: "changed files outside allowed-scope: other.txt, x.md (an admin may ship with override and a reason)",
      errors: [
        { path: "scope", message: "other.txt is outside allowed-scope" },
        { path: "scope", message: "x.md is outside allowed-scope" },
      ],
      files: ["other.txt", "x.md"],
    });
    expect(p.code).toBe("scope_violation");
    expect(p.files).toEqual(["other.txt", "x.md"]);
    // "scope" is already in the message ("outside allowed-scope"): no "scope: " prefix.
    expect(p.messages).toEqual(["other.txt is outside allowed-scope", "x.md is outside allowed-scope"]);
  });

  it("names the field of a validation problem and says it on one line", () => {
    const p = toProblemView(400, { title: "Invalid request", detail: "the body is not valid", errors: [{ path: "budget.wall", message: "expected number" }] });
    expect(problemText(p)).toBe("the body is not valid (budget.wall: expected number)");
  });

  it("falls back to the status when the body is not a problem", () => {
    const p = toProblemView(502, "<html>bad gateway</html>", "Bad Gateway");
    expect(p).toMatchObject({ summary: "Bad Gateway", messages: [], files: [], breaches: [] });
    expect(problemText(p)).toBe("Bad Gateway");
  });

  it("reads the breaches of a budget refusal", () => {
    expect(toProblemView(409, { code: "budget_exceeded", detail: "still over budget", breaches: ["wall 2074 ms of 2000 ms"] }).breaches).toEqual(["wall 2074 ms of 2000 ms"]);
  });

  it("reads a forge's refusal reason beside the code, and nothing when there is none", () => {
    expect(toProblemView(409, { code: "conflict", detail: "checks are failing", reason: "checks_failing" }).reason).toBe("checks_failing");
    expect(toProblemView(409, { code: "conflict", detail: "x", reason: 7 }).reason).toBeUndefined();
    expect("reason" in toProblemView(409, { code: "conflict" })).toBe(false);
  });
});
