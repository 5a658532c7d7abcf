/**
 * Why Ship cannot merge, beside the Ship button: either the 409 the click just got (its `reason`
 * and message) or the last refusal recorded on the pull request (`delivery.pr.error`, which also
 * survives a reload and is what a person who did not click sees). Each reason says what to do next.
 */
import { refusalAdvice } from "@/lib/ui/pull-request";

export function ShipRefusal({ refusal, fresh }: { refusal: { reason?: string; message: string }; fresh: boolean }) {
  const advice = refusalAdvice(refusal.reason);
  return (
    <div role="alert" aria-label="ship refused" data-testid="ship-refusal" data-reason={refusal.reason} className="field-error" style={{ fontSize: 13, textAlign: "right" }}>
      <span>
        {fresh ? "Ship refused" : "Last Ship refusal"}
        {refusal.reason ? ` (${refusal.reason.replace(/_/g, " ")})` : ""}: {refusal.message}
      </span>
      {advice && <p style={{ margin: "4px 0 0" }}>{advice}</p>}
    </div>
  );
}
