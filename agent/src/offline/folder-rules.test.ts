import { describe, expect, it } from "vitest";
import { parseJobFile } from "@/lib/manifest";
import { resolveJob, type ResolvedJob } from "@/lib/profile";
import { folderNext } from "./folder-rules";

const jobOf = (front: string): ResolvedJob => {
  const r = parseJobFile(`---\nengine: shell\n${front}---\n# t\n\necho\n`);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return resolveJob(r.spec, r.setFields);
};
const ok = { outcome: "succeeded" as const, exitCode: 0 };
const verify = (passed: boolean) => ({ epoch: 1, outcome: "succeeded" as const, exitCode: 0, verify: { passed, exitCode: passed ? 0 : 1, output: "" } });
const NOW = 1_000_000;

describe("folderNext: the coordinator's rules on the folder", () => {
  it("green paths: review, testing, shipped only with auto and a clean scope", () => {
    expect(folderNext(jobOf(""), ok, undefined, 0, NOW)).toMatchObject({ stages: ["review"], dir: "review" });
    expect(folderNext(jobOf('verify: "true"\n'), ok, verify(true), 0, NOW)).toMatchObject({ stages: ["review", "testing"], dir: "testing" });
    expect(folderNext(jobOf('verify: "true"\nreview-policy: auto\n'), ok, verify(true), 0, NOW)).toMatchObject({ stages: ["review", "testing", "shipped"], dir: "shipped" });
    const dirty = { ...verify(true), scope: { changed: ["README.md"], outOfScope: ["README.md"] } };
    expect(folderNext(jobOf('verify: "true"\nreview-policy: auto\n'), ok, dirty, 0, NOW)).toMatchObject({ stages: ["review", "testing"], dir: "testing" });
  });

  it("failures follow the retry policy: not listed → failed, retried → queued after the backoff, exhausted → dead_letter", () => {
    expect(folderNext(jobOf('verify: "false"\n'), ok, verify(false), 0, NOW)).toMatchObject({ stages: ["review", "failed"], dir: "failed" });
    const retried = folderNext(jobOf("retry: { max: 1, backoff: 10s, on: [verify_failed] }\nverify: x\n"), ok, verify(false), 0, NOW);
    expect(retried).toMatchObject({ stages: ["review", "failed", "queued"], dir: "inbox" });
    expect(retried.notBefore).toBeGreaterThanOrEqual(NOW + 10_000);
    expect(folderNext(jobOf("retry: { max: 1, on: [verify_failed] }\nverify: x\n"), ok, verify(false), 1, NOW)).toMatchObject({ stages: ["review", "failed", "dead_letter"], dir: "failed" });
    expect(folderNext(jobOf(""), { outcome: "failed", exitCode: 7 }, undefined, 0, NOW)).toMatchObject({ stages: ["failed", "dead_letter"], dir: "failed" });
    expect(folderNext(jobOf(""), { outcome: "timeout", exitCode: null }, undefined, 0, NOW)).toMatchObject({ stages: ["failed", "dead_letter"], dir: "failed" });
  });

  it("the budget: a breach pauses; a retry the wall budget no longer covers pauses too", () => {
    expect(folderNext(jobOf("budget: { wall: 1m }\n"), { outcome: "budget_exceeded", exitCode: null }, undefined, 0, NOW)).toMatchObject({ stages: ["paused"], dir: "failed" });
    expect(folderNext(jobOf("retry: { max: 2 }\nbudget: { wall: 1m }\n"), { outcome: "failed", exitCode: 1 }, undefined, 0, NOW, 0)).toMatchObject({ stages: ["paused"], dir: "failed" });
    expect(folderNext(jobOf("retry: { max: 2 }\nbudget: { wall: 1m }\n"), { outcome: "failed", exitCode: 1 }, undefined, 0, NOW, 5_000)).toMatchObject({ dir: "inbox" });
  });
});
