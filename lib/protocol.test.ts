import { describe, expect, it } from "vitest";
import {
  agentEventsRequest,
  claimRequest,
  claimResponse,
  completeRequest,
  heartbeatRequest,
  LIMITS,
  registerRequest,
} from "./protocol";

const manifest = {
  yolo: false,
  capabilities: [],
  prefers: [],
  priority: "medium",
  budget: {},
  deps: [],
  retry: { max: 2, backoff: 300000, on: ["timeout"] },
  "review-policy": "auto",
  artifacts: ["diff"],
  "allowed-scope": ["src/**"],
  "x-team": "web",
};

describe("protocol schemas", () => {
  it("accepts a register body as CONTRACT §2 shows it", () => {
    const r = registerRequest.safeParse({
      name: "mac-1",
      os: "mac",
      arch: "arm64",
      capabilities: ["os:mac", "engine:claude"],
      stations: [{ engine: "claude", slots: 2 }],
      version: "0.1.0",
    });
    expect(r.success).toBe(true);
  });

  it("refuses a path-unsafe factory name and a station with negative slots", () => {
    const r = registerRequest.safeParse({
      name: "../etc",
      os: "linux",
      arch: "x64",
      capabilities: [],
      stations: [{ engine: "shell", slots: -1 }],
      version: "0.1.0",
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toContain("name");
    expect(paths).toContain("stations.0.slots");
  });

  it("caps the long poll at 30 s", () => {
    expect(claimRequest.safeParse({ factoryId: "f1", free: [], waitMs: 30_000 }).success).toBe(true);
    expect(claimRequest.safeParse({ factoryId: "f1", free: [], waitMs: 30_001 }).success).toBe(false);
  });

  it("parses a claim response and keeps x- fields of the manifest", () => {
    const r = claimResponse.parse({
      lease: { id: "l1", jobId: "j1", epoch: 3, expiresAt: "2026-01-01T00:00:00.000Z", ttlMs: 60000 },
      job: { id: "j1", title: "Fix it", manifest, profile: { name: "coder", version: "abc" } },
      prompt: "do it",
    });
    expect(r.job.manifest["x-team"]).toBe("web");
    expect(r.lease.epoch).toBe(3);
  });

  it("checks each event form and refuses an unknown type", () => {
    const ok = agentEventsRequest.safeParse({
      epoch: 1,
      events: [
        { seq: 1, type: "stage", stage: "building" },
        { seq: 2, type: "log", stream: "stdout", text: "hi\n" },
        { seq: 3, type: "cost", usd: 0.1, tokensIn: 10 },
        { seq: 4, type: "verify", passed: true, exitCode: 0, output: "" },
        { seq: 5, type: "scope", changed: ["a"], outOfScope: [] },
        { seq: 6, type: "artifact", name: "diff", kind: "diff", size: 3, content: "abc" },
      ],
    });
    expect(ok.success).toBe(true);
    expect(agentEventsRequest.safeParse({ epoch: 1, events: [{ seq: 1, type: "shell", cmd: "x" }] }).success).toBe(false);
    expect(agentEventsRequest.safeParse({ epoch: 1, events: [{ seq: 0, type: "stage", stage: "building" }] }).success).toBe(false);
  });

  it("refuses oversized bodies by schema", () => {
    const text = "x".repeat(LIMITS.logText + 1);
    expect(agentEventsRequest.safeParse({ epoch: 1, events: [{ seq: 1, type: "log", stream: "stdout", text }] }).success).toBe(false);
    const many = Array.from({ length: LIMITS.eventsPerBatch + 1 }, (_, i) => ({ seq: i + 1, type: "stage", stage: "building" }));
    expect(agentEventsRequest.safeParse({ epoch: 1, events: many }).success).toBe(false);
    const running = Array.from({ length: LIMITS.running + 1 }, (_, i) => ({ leaseId: `l${i}`, epoch: 1 }));
    expect(heartbeatRequest.safeParse({ load: 0, free: [], running }).success).toBe(false);
  });

  it("accepts each outcome and refuses others", () => {
    for (const outcome of ["succeeded", "failed", "timeout", "cancelled", "budget_exceeded"]) {
      expect(completeRequest.safeParse({ epoch: 1, outcome, exitCode: null }).success).toBe(true);
    }
    expect(completeRequest.safeParse({ epoch: 1, outcome: "exploded" }).success).toBe(false);
    expect(completeRequest.safeParse({ epoch: 1, outcome: "succeeded", commits: ["not-a-sha"] }).success).toBe(false);
  });
});
