import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { jobEvent } from "./events";

/**
 * "A stage change is written only through moveJob" (DESIGN house style), held by reading the
 * source: outside the store, only move-job.ts calls the store's transitionStage, and no coordinator
 * file builds an event by hand (every event goes through events.ts's typed jobEvent). The store's
 * own lease operations (claimJob, completeAttempt, reapExpiredLeases) carry their stage inside
 * their fenced write and are not transitions.
 */
const root = path.resolve(__dirname, "../..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(rel);
  }
  return out;
}

const code = [...sources("server"), ...sources("app"), ...sources("lib")].filter((f) => !f.startsWith(`server${path.sep}store${path.sep}`));

describe("one way to move a job", () => {
  it("finds the files it checks (the scan is not vacuous)", () => {
    expect(code).toContain(path.join("server", "coordinator", "move-job.ts"));
    expect(code).toContain(path.join("server", "coordinator", "actions.ts"));
    expect(code.length).toBeGreaterThan(100);
  });

  it("calls transitionStage nowhere but in move-job.ts", () => {
    const callers = code.filter((f) => /\btransitionStage\s*\(/.test(readFileSync(path.join(root, f), "utf8")));
    expect(callers).toEqual([path.join("server", "coordinator", "move-job.ts")]);
  });

  it("builds no event by hand in server/: every `{ type: \"noun:verb\", at }` goes through jobEvent", () => {
    const handBuilt = code
      .filter((f) => f.startsWith(`server${path.sep}`) && !f.endsWith(path.join("coordinator", "events.ts")))
      .filter((f) => /\{\s*type:\s*["'`][a-z_]+:[a-z_]+["'`]\s*,\s*at\b/.test(readFileSync(path.join(root, f), "utf8")));
    expect(handBuilt).toEqual([]);
  });

  it("refuses event data that drifts from lib/events.ts (compile-time; npm run typecheck)", () => {
    const ok = jobEvent("lease:expired", 1, { leaseId: "L", epoch: 1, to: "queued" });
    expect(ok).toEqual({ type: "lease:expired", at: 1, data: { leaseId: "L", epoch: 1, to: "queued" } });
    // @ts-expect-error an undeclared field
    jobEvent("lease:expired", 1, { leaseId: "L", epoch: 1, to: "queued", extra: true });
    // @ts-expect-error a missing field
    jobEvent("lease:expired", 1, { leaseId: "L", to: "queued" });
    // @ts-expect-error a stage that does not exist
    jobEvent("stage:changed", 1, { from: "queued", to: "done", cause: "" });
    // @ts-expect-error an event type lib/events.ts does not declare
    jobEvent("job:teleported", 1, {});
  });
});
