import { describe, expect, it } from "vitest";
import { hasRole } from "./roles";

describe("hasRole", () => {
  it("orders viewer < operator < admin and refuses anything else", () => {
    expect(hasRole("admin", "operator")).toBe(true);
    expect(hasRole("operator", "operator")).toBe(true);
    expect(hasRole("viewer", "operator")).toBe(false);
    expect(hasRole("operator", "admin")).toBe(false);
    expect(hasRole(undefined, "viewer")).toBe(false);
    expect(hasRole("root", "viewer")).toBe(false);
  });
});
