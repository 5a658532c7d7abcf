import { describe, expect, it, vi } from "vitest";
import { FleetError, isFleetError } from "./errors";
import { toFleetError } from "./http/errors";

describe("isFleetError", () => {
  it("recognises a FleetError thrown by another copy of the module (another bundle), where instanceof fails", async () => {
    vi.resetModules();
    const other = await import("./errors");
    const foreign = new other.FleetError("scope_violation", "outside allowed-scope");
    expect(other.FleetError).not.toBe(FleetError);
    expect(foreign instanceof FleetError).toBe(false);
    expect(isFleetError(foreign)).toBe(true);
    expect(isFleetError(foreign, "scope_violation")).toBe(true);
    expect(isFleetError(foreign, "conflict")).toBe(false);
    // the HTTP map keeps the client message of a foreign FleetError instead of answering a generic 500
    expect(toFleetError(foreign, { method: "POST", path: "/x" })).toBe(foreign);
  });

  it("refuses look-alikes: an Error named FleetError, an unknown code, plain values", () => {
    const lookAlike = Object.assign(new Error("x"), { name: "FleetError", code: "conflict" });
    expect(isFleetError(lookAlike)).toBe(false);
    const branded = new FleetError("conflict", "x");
    (branded as { code: string }).code = "made_up";
    expect(isFleetError(branded)).toBe(false);
    for (const v of [undefined, null, "conflict", 409, { code: "conflict" }]) expect(isFleetError(v)).toBe(false);
  });
});
