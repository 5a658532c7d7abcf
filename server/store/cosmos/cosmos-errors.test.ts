import { describe, expect, it } from "vitest";
import { StoreError } from "../errors";
import { isConflict, isPreconditionFailed, mapCosmosError } from "./cosmos-errors";

// The test server never throttles, so the 429 mapping is checked on the SDK's error shape directly.
describe("cosmos error mapping", () => {
  it("turns throttling that outlived the SDK's retries into busy with the server's retry-after", () => {
    const mapped = mapCosmosError(Object.assign(new Error("Request rate is large"), { code: 429, retryAfterInMs: 750 }));
    expect(mapped).toBeInstanceOf(StoreError);
    expect(mapped).toMatchObject({ code: "busy", retryAfterMs: 750 });
    expect(mapCosmosError({ code: 429 })).toMatchObject({ code: "busy", retryAfterMs: 1000 });
  });

  it("passes every other error through unchanged and recognises 409 and 412", () => {
    const e = Object.assign(new Error("boom"), { code: 500 });
    expect(mapCosmosError(e)).toBe(e);
    expect(isConflict({ code: 409 })).toBe(true);
    expect(isPreconditionFailed({ code: 412 })).toBe(true);
    expect(isPreconditionFailed(new Error("x"))).toBe(false);
  });
});
