import { describe, expect, it } from "vitest";
import { alertLink } from "./alerts";

const since = "2026-01-01T00:00:00.000Z";

describe("alertLink", () => {
  it("links job alerts to the job, by its id in subject", () => {
    expect(alertLink({ kind: "dead_letter", subject: "j-1 2", message: "m", since })).toEqual({ href: "/jobs/j-1%202", text: "open job" });
    expect(alertLink({ kind: "budget_exceeded", subject: "j-2", message: "m", since }).href).toBe("/jobs/j-2");
  });
  it("sends factory and spike alerts to the fleet map and the failed jobs", () => {
    expect(alertLink({ kind: "factory_offline", subject: "f-1", message: "m", since }).href).toBe("/fleet");
    expect(alertLink({ kind: "failure_spike", subject: "fleet", message: "m", since }).href).toBe("/jobs?stage=failed");
    expect(alertLink({ kind: "failure_spike", subject: "web", message: "m", since }).href).toBe("/jobs?stage=failed&product=web");
  });
});
