import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { OverdueBadge, PriorityBadge, StageBadge } from "./badges";
import { CostBar } from "./cost-bar";
import { legalActions } from "./job/action-buttons";
import { ExplanationPanel } from "./job/explanation-panel";
import { ScopePanel, VersionsPanel } from "./job/run-results";
import { ApprovalStatus } from "./job/approval-status";
import { ProtectedPaths } from "./job/protected-paths";
import { parseProductLines } from "./protected-paths-panel";
import { DeadLetterPanel } from "./job/dead-letter-panel";
import { DeliveryPanel } from "./job/delivery-panel";
import { ScopeViolation } from "./job/scope-violation";
import { toProblemView } from "@/lib/ui/problem";

describe("legalActions", () => {
  it("offers only what the stage machine allows", () => {
    expect(legalActions("review")).toEqual(["approve", "ship", "reject", "cancel"]);
    expect(legalActions("paused")).toEqual(["cancel", "resume"]);
    expect(legalActions("shipped")).toEqual([]);
  });
  it("offers Retry push only in review after a failed push with no task under way", () => {
    const failed = { shipLabel: "merge b into main and push", pushError: { reason: "auth", message: "refused" } };
    expect(legalActions("review", failed)).toEqual(["approve", "ship", "reject", "cancel", "retry_push"]);
    expect(legalActions("review", { ...failed, task: { kind: "push", jobId: "j-2" } })).not.toContain("retry_push");
    expect(legalActions("testing", failed)).not.toContain("retry_push");
  });
});

describe("the delivery panel", () => {
  it("shows the branch, the head (pushed or not), the merge SHA and why a push failed", () => {
    const html = renderToStaticMarkup(
      <DeliveryPanel
        delivery={{ mode: "branch", branch: "fleet/j-1-add-b", baseBranch: "main", headSha: "a".repeat(40), lastPushed: "a".repeat(40), mergeSha: "b".repeat(40), shipLabel: "x" }}
        task={undefined}
      />,
    );
    expect(html).toContain("fleet/j-1-add-b");
    expect(html).toContain(`${"a".repeat(12)} (pushed)`);
    expect(html).toMatch(/data-testid="delivery-merge"[^>]*>b{12}</);
    const failed = renderToStaticMarkup(
      <DeliveryPanel delivery={{ mode: "pr", branch: "fleet/j-2", headSha: "c".repeat(40), pushError: { reason: "non_fast_forward", message: "rejected" }, shipLabel: "x" }} task={undefined} />,
    );
    expect(failed).toContain("(on the factory only)");
    expect(failed).toContain("Push failed (non_fast_forward)");
  });
});

describe("server-rendered pieces", () => {
  it("badges carry their value for tests and colour for people", () => {
    expect(renderToStaticMarkup(<StageBadge stage="dead_letter" />)).toContain('data-stage="dead_letter"');
    expect(renderToStaticMarkup(<StageBadge stage="dead_letter" />)).toContain(">dead letter<");
    expect(renderToStaticMarkup(<PriorityBadge priority="critical" />)).toContain("background:#dc2626");
  });
  it("an overdue job says by how much, and its SLA on hover", () => {
    const html = renderToStaticMarkup(<OverdueBadge overdue={{ byMs: 7 * 60_000, slaMs: 5 * 60_000 }} />);
    expect(html).toContain('data-testid="row-overdue"');
    expect(html).toContain(">overdue 7m<");
    expect(html).toContain('title="waiting 7m past its SLA of 5m"');
  });
  it("the versions panel shows each attempt's engine version and tools", () => {
    const html = renderToStaticMarkup(
      <VersionsPanel
        runs={[
          { attempt: 1, factoryId: "f1", engine: "claude", versions: { engine: "2.1.4", tools: { claude: "2.1.4", node: "20.11.1" } } },
          { attempt: 2, factoryId: "f2", engine: "shell", versions: { tools: {} } },
        ]}
        factoryNames={new Map([["f1", "mac-1"]])}
      />,
    );
    expect(html).toContain("mac-1");
    expect(html).toMatch(/data-testid="run-engine-version">claude 2\.1\.4</);
    expect(html).toContain("node 20.11.1");
    expect(html).not.toContain("claude 2.1.4, ");
    expect(html).toContain("(version not advertised)");
    expect(html).toContain("none advertised");
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

describe("policy pieces", () => {
  it("a waiting job's page lists every failed constraint of each factory, one row each", () => {
    const html = renderToStaticMarkup(
      <ExplanationPanel
        stage="queued"
        decision={undefined}
        pending={{
          sentence: "no factory has gpu, has:xcode",
          blocked: true,
          jobReasons: [],
          factories: [{ factoryId: "f-1", name: "e2e-factory", reasons: [{ code: "gpu_missing", detail: "needs gpu" }, { code: "capability_missing", detail: "needs has:xcode" }] }],
          counts: {},
        }}
      />,
    );
    expect(html).toContain("waiting because no factory has gpu, has:xcode");
    expect(html.match(/data-factory="e2e-factory"/g)).toHaveLength(2);
    expect(html).toContain("needs gpu");
    expect(html).toContain("needs has:xcode");
  });
  it("a scope refusal lists the files; only an admin gets the override", () => {
    const problem = toProblemView(409, { code: "scope_violation", detail: "changed files outside allowed-scope: other.txt", files: ["other.txt"] });
    const operator = renderToStaticMarkup(<ScopeViolation problem={problem} isAdmin={false} busy={false} onOverride={() => undefined} />);
    expect(operator).toContain("<li>other.txt</li>");
    expect(operator).not.toContain("Override and ship");
    const admin = renderToStaticMarkup(<ScopeViolation problem={problem} isAdmin busy={false} onOverride={() => undefined} />);
    expect(admin).toMatch(/<input[^>]*aria-label="override reason"[^>]*required/);
    // Disabled until a reason is typed: the API refuses an override without one.
    expect(admin).toMatch(/<button type="submit" class="danger" disabled="">Override and ship/);
  });
  it("approvals say who approved and who is still needed", () => {
    const html = renderToStaticMarkup(<ApprovalStatus state={{ reviewers: ["ana", "bo"], approved: ["ana"], missing: ["bo"] }} />);
    expect(html).toContain("1 of 2 approved");
    expect(html).toContain("(by ana)");
    expect(html).toContain("still needed: bo");
  });
  it("protected paths name each file and the glob that caught it, and the approval they wait for", () => {
    const matches = [{ file: "packages/shared/a.ts", glob: "packages/shared/**" }, { file: ".github/ci.yml", glob: ".github/**" }];
    const text = renderToStaticMarkup(<ProtectedPaths matches={matches} waiting />).replace(/<[^>]+>/g, "");
    expect(text).toBe("Protected paths: packages/shared/a.ts (matched packages/shared/**), .github/ci.yml (matched .github/**) — needs a reviewer&#x27;s approval");
    expect(renderToStaticMarkup(<ProtectedPaths matches={matches} waiting={false} />)).not.toContain("needs a reviewer");
    expect(renderToStaticMarkup(<ProtectedPaths matches={[]} waiting />)).toBe("");
  });
  it("the Admin page's per-product lines become the request's products", () => {
    expect(parseProductLines("web: web/config/**, deploy/**\n\n api : api/db/**\nweb: web/env\nbare")).toEqual({
      web: ["web/config/**", "deploy/**", "web/env"],
      api: ["api/db/**"],
      bare: [],
    });
  });
  it("a dead letter shows each attempt's diagnostics", () => {
    const html = renderToStaticMarkup(
      <DeadLetterPanel
        factoryNames={new Map([["f-1", "mac-1"]])}
        deadLetter={{ cause: "verify failed; retries exhausted (1 of 1)", attempts: [{ attempt: 1, factoryId: "f-1", engine: "shell", outcome: "succeeded", exitCode: 0, endedBy: "agent", verify: { passed: false, exitCode: 1, output: "FAIL x" }, lastLog: ["trying"] }] }}
      />,
    );
    expect(html).toContain("verify failed; retries exhausted (1 of 1)");
    expect(html).toContain("mac-1");
    expect(html).toContain("failed (exit 1)");
    expect(html).toContain("FAIL x");
    expect(html).toContain("trying");
  });
});
