import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EMPTY_FORM, fieldOfPath, formBody, formToJobFile, formToManifest, problemsByField, splitList } from "./manifest-form";

describe("formToManifest", () => {
  it("omits every empty field so the profile's defaults apply", () => {
    expect(formToManifest(EMPTY_FORM)).toEqual({});
  });
  it("assembles nested fields and lists, keeping bad input as typed for the schema", () => {
    const m = formToManifest({
      ...EMPTY_FORM,
      engine: "shell",
      capabilities: "os:linux, node>=20\nhas:git",
      priority: "high",
      "budget.usd": "5",
      "budget.tokens": "2M",
      "retry.max": "two",
      "retry.on": ["timeout"],
      "review-policy": "reviewers",
      reviewers: "@alice, @bob",
      yolo: true,
    });
    expect(m).toEqual({
      engine: "shell",
      capabilities: ["os:linux", "node>=20", "has:git"],
      priority: "high",
      budget: { usd: 5, tokens: "2M" },
      retry: { max: "two", on: ["timeout"] },
      "review-policy": { reviewers: ["@alice", "@bob"] },
      yolo: true,
    });
  });
});

describe("formToJobFile", () => {
  it("renders front matter the YAML parser reads back, then the titled body", () => {
    const text = formToJobFile({ ...EMPTY_FORM, title: "Fix login", body: "Do it.", verify: "npm test", lock: "web" });
    const match = /^---\n([\s\S]*?)---\n\n([\s\S]*)$/.exec(text);
    expect(match).not.toBeNull();
    expect(parse(match![1]!)).toEqual({ verify: "npm test", lock: "web" });
    expect(match![2]).toBe("# Fix login\n\nDo it.");
  });
  it("keeps a body that already has its heading", () => {
    expect(formBody({ ...EMPTY_FORM, title: "x", body: "# Own\ntext" })).toBe("# Own\ntext");
    expect(formBody({ ...EMPTY_FORM, title: "Only", body: "" })).toBe("# Only\n");
  });
});

describe("error paths", () => {
  it("maps schema paths to form fields", () => {
    expect(fieldOfPath("retry.on[1]")).toBe("retry.on");
    expect(fieldOfPath("budget.usd")).toBe("budget.usd");
    expect(fieldOfPath("capabilities[0]")).toBe("capabilities");
    expect(fieldOfPath("review-policy.reviewers[0]")).toBe("reviewers");
    expect(fieldOfPath("priorty")).toBeUndefined();
  });
  it("groups problems and keeps unmapped ones for the top of the form", () => {
    const grouped = problemsByField([
      { path: "priority", message: "expected critical, high, medium or low" },
      { path: "priorty", message: "unknown field; did you mean priority?" },
    ]);
    expect(grouped.fields.priority).toEqual(["expected critical, high, medium or low"]);
    expect(grouped.form).toEqual(["priorty: unknown field; did you mean priority?"]);
  });
  it("splits lists on commas and new lines", () => {
    expect(splitList(" a, b\n\nc ,")).toEqual(["a", "b", "c"]);
  });
});
