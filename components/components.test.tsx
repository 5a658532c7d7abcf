import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { PriorityBadge, StageBadge } from "./badges";
import { CostBar } from "./cost-bar";
import { legalActions } from "./job/action-buttons";
import { ExplanationPanel } from "./job/explanation-panel";
import { ScopePanel } from "./job/run-results";

describe("legalActions", () => {
  it("offers only what the stage machine allows", () => {
    expect(legalActions("review")).toEqual(["approve", "ship", "reject", "cancel"]);
    expect(legalActions("paused")).toEqual(["cancel", "resume"]);
    expect(legalActions("shipped")).toEqual([]);
  });
});

describe("server-rendered pieces", () => {
  it("badges carry their value for tests and colour for people", () => {
    expect(renderToStaticMarkup(<StageBadge stage="dead_letter" />)).toContain('data-stage="dead_letter"');
    expect(renderToStaticMarkup(<StageBadge stage="dead_letter" />)).toContain(">dead letter<");
    expect(renderToStaticMarkup(<PriorityBadge priority="critical" />)).toContain("background:#dc2626");
  });
  it("the cost bar turns red at the budget and says when there is none", () => {
    expect(renderToStaticMarkup(<CostBar label="Dollars" spent={5} budget={5} format={String} />)).toContain('class="bar over"');
    expect(renderToStaticMarkup(<CostBar label="Dollars" spent={1} format={String} />)).toContain("(no budget)");
  });
  it("the scope report highlights files outside the allowed scope", () => {
    const html = renderToStaticMarkup(<ScopePanel scope={{ changed: ["src/a.ts", "package.json"], outOfScope: ["package.json"] }} />);
    expect(html).toContain("1 file(s) outside the allowed scope");
    expect(html).toMatch(/data-out-of-scope="true"[^>]*>package.json — out of scope/);
    expect(html).not.toMatch(/data-out-of-scope="true"[^>]*>src\/a.ts/);
  });
  it("the explanation lists each factory's failed constraints", () => {
    const html = renderToStaticMarkup(
      <ExplanationPanel
        decision={{ kind: "unplaced", jobReasons: [], factories: [{ name: "mac-1", reasons: [{ code: "os_mismatch", detail: "needs os:linux" }] }], explanation: "no linux factory" }}
      />,
    );
    expect(html).toContain("waiting because no linux factory");
    expect(html).toContain("needs os:linux");
  });
});
