import { describe, expect, it } from "vitest";
import { safeCallbackPath, safeRedirect } from "./redirect";

const BASE = "https://fleet.example.com";

describe("safeRedirect (next-auth's redirect callback)", () => {
  it.each([
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\\\\evil.example",
    "//evil.example",
    "///evil.example",
    "https://evil.example/",
    "https://fleet.example.com.evil.example/",
    "https://fleet.example.com@evil.example/",
    "javascript:alert(1)",
    "data:text/html,hi",
    " //evil.example",
    "/\u2028/evil.example",
    "http://fleet.example.com/", // another scheme is another origin
  ])("refuses %j", (url) => {
    expect(safeRedirect(url, BASE)).toBe(`${BASE}/`);
  });

  it.each([
    ["/jobs/j_1?tab=log#end", `${BASE}/jobs/j_1?tab=log#end`],
    ["/", `${BASE}/`],
    [`${BASE}/admin`, `${BASE}/admin`],
    ["jobs", `${BASE}/jobs`],
  ])("keeps the same-origin %j", (url, expected) => {
    expect(safeRedirect(url, BASE)).toBe(expected);
  });

  it("the sign-in page's path form", () => {
    expect(safeCallbackPath("/\\evil.example")).toBe("/");
    expect(safeCallbackPath("/\t/evil.example")).toBe("/");
    expect(safeCallbackPath("/jobs?x=1")).toBe("/jobs?x=1");
    expect(safeCallbackPath(undefined)).toBe("/");
  });
});
