import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { lateResultsOf } from "@/lib/ui/late-results";
import { LateResultsPanel } from "./late-results";

const events = [
  { seq: 1, type: "lease:granted", at: "2026-12-03T10:00:00.000Z", data: { epoch: 1 } },
  { seq: 2, type: "lease:expired", at: "2026-12-03T10:00:05.000Z", data: { epoch: 1 } },
  { seq: 3, type: "run:late_result", at: "2026-12-03T10:00:09.000Z", leaseId: "L.1", data: { epoch: 1, outcome: "succeeded", exitCode: 0, verifyPassed: true, stage: "building" } },
  { seq: 4, type: "run:late_result", at: "2026-12-03T10:00:10.000Z", data: "not an object" },
  { seq: 5, type: "run:late_result", at: "2026-12-03T10:00:11.000Z", data: { epoch: 2 } },
];

describe("late results on the job page", () => {
  it("reads each run:late_result event, skipping other types and malformed data", () => {
    expect(lateResultsOf(events)).toEqual([
      { seq: 3, at: "2026-12-03T10:00:09.000Z", leaseId: "L.1", epoch: 1, outcome: "succeeded", exitCode: 0, verifyPassed: true, stage: "building" },
    ]);
  });

  it("says which attempt finished late, how, and that the job did not move on it", () => {
    const html = renderToStaticMarkup(<LateResultsPanel results={lateResultsOf(events)} />);
    expect(html).toContain("Late results");
    expect(html).toContain("<strong>attempt 1</strong>: succeeded (exit 0), verify passed");
    expect(html).toContain("while the job was building");
    expect(html).toContain("the job did not move on them");
  });

  it("renders nothing for a job without late results", () => {
    expect(renderToStaticMarkup(<LateResultsPanel results={lateResultsOf(events.slice(0, 2))} />)).toBe("");
  });
});
