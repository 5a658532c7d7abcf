import type { ApprovalState } from "@/lib/ui/policy-views";

/** A `reviewers` job: who has approved and who is still needed before it ships. */
export function ApprovalStatus({ state }: { state: ApprovalState }) {
  return (
    <p data-testid="approvals" aria-label="approvals">
      Reviewers: {state.approved.length} of {state.reviewers.length} approved
      {state.approved.length > 0 && <> (by {state.approved.join(", ")})</>}
      {state.missing.length > 0 ? <>; still needed: {state.missing.join(", ")}</> : "; ready to ship"}
    </p>
  );
}
