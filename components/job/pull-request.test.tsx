import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { JobView } from "@/lib/ui/api-types";
import { toProblemView } from "@/lib/ui/problem";
import { PrLink } from "../badges";
import { ActionButtons, canRequestChanges, legalActions, shipButtonText } from "./action-buttons";
import { DeliveryPanel } from "./delivery-panel";
import { RequestChangesForm, requestChangesNextStep } from "./request-changes";
import { ShipRefusal } from "./ship-refusal";
import { ProblemMessage } from "./problem-message";

type Delivery = NonNullable<JobView["delivery"]>;
type Pr = NonNullable<Delivery["pr"]>;

const pr = (over: Partial<Pr> = {}): Pr => ({
  forge: "github",
  owner: "acme",
  repo: "web",
  number: 12,
  url: "https://github.example/acme/web/pull/12",
  state: "open",
  draft: false,
  headSha: "a".repeat(40),
  mergeable: true,
  mergeableState: "clean",
  checks: "passing",
  review: "approved",
  refreshedAt: "2026-12-03T08:40:00.000Z",
  ...over,
});
const delivery = (over: Partial<Delivery> = {}): Delivery => ({
  mode: "pr",
  branch: "fleet/j-1-add-b",
  baseBranch: "main",
  headSha: "a".repeat(40),
  lastPushed: "a".repeat(40),
  shipLabel: "Merge PR #12 (squash)",
  pr: pr(),
  ...over,
});
const noop = () => undefined;
/** The text of the element with this data-testid (the first), tags stripped. */
const textOf = (html: string, testId: string) => {
  const m = new RegExp(`data-testid="${testId}"[^>]*>(.*?)</(?:span|dd|p|div|ol)>`, "s").exec(html);
  return m ? m[1]!.replace(/<[^>]+>/g, "").replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, "&") : undefined;
};

describe("the Delivery panel with a pull request", () => {
  it("links #N to the forge in a new tab and shows its state, checks, review and mergeability in words", () => {
    const html = renderToStaticMarkup(<DeliveryPanel delivery={delivery({ pr: pr({ checks: "failing", review: "changes_requested", mergeable: true, mergeableState: "blocked" }) })} task={undefined} />);
    expect(html).toMatch(/<a href="https:\/\/github\.example\/acme\/web\/pull\/12" target="_blank" rel="noreferrer" data-testid="pr-link"[^>]*>#12<\/a>/);
    expect(html).toContain('data-pr-state="open"');
    expect(textOf(html, "pr-checks")).toBe("✗ failing");
    expect(textOf(html, "pr-review")).toBe("✗ changes requested");
    expect(textOf(html, "pr-mergeable")).toBe("blocked by required checks or reviews");
    expect(html).toContain("fleet/j-1-add-b");
    expect(textOf(html, "delivery-merge")).toBe("—");
  });
  it("a draft PR reads draft; a merged one shows the forge's merge SHA", () => {
    expect(renderToStaticMarkup(<DeliveryPanel delivery={delivery({ pr: pr({ draft: true, mergeableState: "draft" }) })} task={undefined} />)).toContain('data-pr-state="draft"');
    const merged = renderToStaticMarkup(<DeliveryPanel delivery={delivery({ pr: pr({ state: "merged", mergeSha: "d".repeat(40) }) })} task={undefined} />);
    expect(merged).toContain('data-pr-state="merged"');
    expect(textOf(merged, "delivery-merge")).toBe("d".repeat(12));
    expect(merged).toContain(`title="${"d".repeat(40)}"`);
  });
  it("conflicts and a forge still computing mergeability read differently", () => {
    const conflict = renderToStaticMarkup(<DeliveryPanel delivery={delivery({ pr: pr({ mergeable: false, mergeableState: "dirty" }) })} task={undefined} />);
    expect(textOf(conflict, "pr-mergeable")).toBe("conflict with the base branch");
    const computing = renderToStaticMarkup(<DeliveryPanel delivery={delivery({ pr: pr({ mergeable: null, mergeableState: "unknown", checks: "pending" }) })} task={undefined} />);
    expect(textOf(computing, "pr-mergeable")).toBe("being computed by the forge");
    expect(textOf(computing, "pr-checks")).toBe("… pending");
  });
  it("links to the follow-up jobs, and a follow-up links back to the job it continues with why and which round", () => {
    const parent = renderToStaticMarkup(<DeliveryPanel delivery={delivery({ followUps: ["j-2", "j-3"] })} task={undefined} />);
    expect(parent).toMatch(/<ol aria-labelledby="follow-ups-heading" data-testid="follow-ups"[^>]*><li><a href="\/jobs\/j-2">j-2<\/a><\/li><li><a href="\/jobs\/j-3">j-3<\/a><\/li><\/ol>/);
    const child = renderToStaticMarkup(<DeliveryPanel delivery={delivery()} task={undefined} followUpOf={{ of: "j-1", reason: "checks_failed", round: 2 }} />);
    expect(textOf(child, "follow-up-of")).toBe("Follow-up round 2 of job j-1: the pull request's checks failed. Its commits go onto that job's branch: ship that job to merge them.");
    expect(child).toContain('href="/jobs/j-1"');
    // a follow-up alone (no delivery of its own yet) still shows where it comes from
    expect(renderToStaticMarkup(<DeliveryPanel delivery={undefined} task={undefined} followUpOf={{ of: "j-1", reason: "changes_requested", round: 1 }} />)).toContain("changes were requested");
  });
  it("says why the review loop queued no follow-up", () => {
    const html = renderToStaticMarkup(<DeliveryPanel delivery={delivery()} task={undefined} followUpRefused={{ why: "the retry policy is spent: retry.max 0" }} />);
    expect(textOf(html, "follow-up-refused")).toBe("No follow-up job was queued: the retry policy is spent: retry.max 0");
    expect(renderToStaticMarkup(<DeliveryPanel delivery={delivery()} task={undefined} />)).not.toContain("follow-up-refused");
  });
  it("a PR URL that is not http(s) is not made a link target", () => {
    const html = renderToStaticMarkup(<PrLink pr={pr({ url: "javascript:alert(1)" })} />);
    expect(html).not.toContain("javascript:");
    expect(html).toContain("#12");
  });
});

describe("Ship, refusals and Request changes beside the buttons", () => {
  it("the Ship button says what it will do; without a delivery it is plain Ship", () => {
    const html = renderToStaticMarkup(<ActionButtons jobId="j-1" stage="testing" delivery={delivery()} onDone={noop} />);
    expect(html).toMatch(/<button[^>]*data-action="ship"[^>]*>Merge PR #12 \(squash\)<\/button>/);
    expect(html).toContain('title="Ship: Merge PR #12 (squash)"');
    expect(shipButtonText({ shipLabel: "merge fleet/x into main and push" })).toBe("Merge fleet/x into main and push");
    expect(shipButtonText({ shipLabel: "" })).toBe("Ship");
    expect(renderToStaticMarkup(<ActionButtons jobId="j-1" stage="testing" onDone={noop} />)).toMatch(/data-action="ship"[^>]*>Ship<\/button>/);
  });
  it("the PR's last refusal stays beside Ship with what to do next", () => {
    const html = renderToStaticMarkup(
      <ActionButtons jobId="j-1" stage="review" delivery={{ ...delivery(), pr: { error: { reason: "checks_failing", message: "Required status check \"ci\" is failing." } } }} onDone={noop} />,
    );
    expect(html).toMatch(/role="alert" aria-label="ship refused" data-testid="ship-refusal" data-reason="checks_failing"/);
    expect(html).toContain("Last Ship refusal (checks failing): Required status check &quot;ci&quot; is failing.");
    expect(html).toContain("a follow-up job is queued when checks fail");
    // no refusal recorded: nothing shown
    expect(renderToStaticMarkup(<ActionButtons jobId="j-1" stage="review" delivery={delivery()} onDone={noop} />)).not.toContain("ship-refusal");
  });
  it("a fresh 409 from Ship reads as refused now, with its reason", () => {
    const problem = toProblemView(409, { code: "conflict", detail: "the branch conflicts with main", reason: "conflict" });
    const html = renderToStaticMarkup(<ShipRefusal refusal={{ reason: problem.reason, message: problem.summary }} fresh />);
    expect(html).toContain("Ship refused (conflict): the branch conflicts with main");
    expect(html).toContain("Request changes so the agent rebases it");
  });
  it("Request changes is offered to an operator in review or testing on a job with a delivery, and nowhere else", () => {
    expect(canRequestChanges("review", delivery())).toBe(true);
    expect(canRequestChanges("testing", delivery())).toBe(true);
    expect(canRequestChanges("review", undefined)).toBe(false);
    expect(canRequestChanges("building", delivery())).toBe(false);
    expect(canRequestChanges("shipped", delivery())).toBe(false);
    const html = renderToStaticMarkup(<ActionButtons jobId="j-1" stage="review" delivery={delivery()} onDone={noop} />);
    expect(html).toMatch(/<button type="button" aria-expanded="false">Request changes<\/button>/);
    // it is its own form, never a plain action button posting without a comment
    expect(legalActions("review", delivery())).not.toContain("request_changes");
    expect(renderToStaticMarkup(<ActionButtons jobId="j-1" stage="review" onDone={noop} />)).not.toContain("Request changes");
  });
  it("a follow-up offers neither Ship, Approve nor Request changes: the job it continues ships its commits", () => {
    expect(legalActions("review", delivery(), { followUp: true })).toEqual(["reject", "cancel"]);
    expect(canRequestChanges("review", delivery(), { followUp: true })).toBe(false);
    const html = renderToStaticMarkup(<ActionButtons jobId="j-2" stage="review" delivery={delivery()} followUp onDone={noop} />);
    expect(html).not.toContain('data-action="ship"');
    expect(html).not.toContain("Request changes");
    expect(html).toContain('data-action="cancel"');
  });
  it("the comment form has a labelled, required, bounded comment box and says what happens", () => {
    const html = renderToStaticMarkup(<RequestChangesForm jobId="j-1" formId="rc" onClose={noop} onDone={noop} />);
    expect(html).toMatch(/<form id="rc" aria-label="request changes" noValidate=""/);
    const id = /<label class="field" for="([^"]+)"><span>What should change<\/span><textarea id="\1"/.exec(html);
    expect(id, html).not.toBeNull();
    expect(html).toMatch(/<textarea[^>]*required=""[^>]*maxLength="1000"/);
    expect(html).toContain("A follow-up job continues this branch with your comment as its prompt. 0/1000");
    expect(html).toMatch(/<button type="submit" class="primary">Send to the agent<\/button>/);
  });
  it("a refused request says what to do next, by what refused it", () => {
    const forbidden = toProblemView(403, { code: "forbidden", detail: "operator role required" });
    const html = renderToStaticMarkup(<ProblemMessage problem={forbidden} label="request changes refused" next={requestChangesNextStep(forbidden)} />);
    expect(html).toContain("operator role required");
    expect(textOf(html, "problem-next-step")).toBe("Requesting changes needs the operator role: ask an operator or an admin.");
    expect(requestChangesNextStep(toProblemView(409, { code: "illegal_transition" }))).toMatch(/reload the page/);
    expect(requestChangesNextStep(toProblemView(0, undefined, "Failed to fetch"))).toMatch(/your comment is kept/);
    expect(requestChangesNextStep(toProblemView(400, { errors: [{ path: "reason", message: "too long" }] }))).toMatch(/Fix the comment/);
  });
});
