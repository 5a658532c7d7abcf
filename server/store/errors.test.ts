import { describe, expect, it, vi } from "vitest";
import { StoreError, isStoreError } from "./errors";

describe("isStoreError", () => {
  it("recognises a StoreError thrown by another copy of the module (another bundle), where instanceof fails", async () => {
    vi.resetModules();
    const other = await import("./errors");
    const foreign = new other.StoreError("lease_lost", "x");
    expect(other.StoreError).not.toBe(StoreError);
    expect(foreign instanceof StoreError).toBe(false);
    expect(isStoreError(foreign)).toBe(true);
    expect(isStoreError(foreign, "lease_lost")).toBe(true);
    expect(isStoreError(foreign, "conflict")).toBe(false);
    expect(other.isStoreError(new StoreError("busy", "y"), "busy")).toBe(true);
  });

  it("refuses look-alikes: an Error named StoreError, an unknown code, plain values", () => {
    const lookAlike = Object.assign(new Error("x"), { name: "StoreError", code: "conflict" });
    expect(isStoreError(lookAlike)).toBe(false);
    const branded = new StoreError("conflict", "x");
    (branded as { code: string }).code = "made_up";
    expect(isStoreError(branded)).toBe(false);
    for (const v of [undefined, null, "conflict", 409, { code: "conflict" }]) expect(isStoreError(v)).toBe(false);
  });
});
