import { describe, expect, it } from "vitest";
import { SignInThrottle } from "./sign-in-throttle";

describe("SignInThrottle", () => {
  it("free failures first, then a doubling lock up to the cap; a success clears it", () => {
    let now = 0;
    const t = new SignInThrottle({ free: 3, baseMs: 1_000, maxMs: 5_000 }, () => now);
    for (let i = 0; i < 3; i++) t.failed("admin");
    expect(t.retryAfterMs("admin")).toBe(0);
    t.failed("admin");
    expect(t.retryAfterMs("admin")).toBe(1_000);
    t.failed("admin");
    expect(t.retryAfterMs("admin")).toBe(2_000);
    t.failed("admin");
    t.failed("admin");
    expect(t.retryAfterMs("admin")).toBe(5_000);
    now += 5_000;
    expect(t.retryAfterMs("admin")).toBe(0);
    expect(t.retryAfterMs("someone-else")).toBe(0);
    t.succeeded("admin");
    t.failed("admin");
    expect(t.retryAfterMs("admin")).toBe(0);
  });
});
