import { budgetFraction } from "@/lib/ui/format";

/** Spend against a ceiling; amber from 80 %, red at or past it. Renders nothing without a budget. */
export function CostBar({ label, spent, budget, format }: { label: string; spent: number; budget?: number; format: (n: number) => string }) {
  const fraction = budgetFraction(spent, budget);
  if (fraction === undefined || budget === undefined) {
    return (
      <div className="muted">
        {label}: {format(spent)} (no budget)
      </div>
    );
  }
  const level = spent >= budget ? "over" : fraction >= 0.8 ? "warn" : "";
  return (
    <div>
      <div className="row" style={{ justifyContent: "space-between" }}>
        <span>{label}</span>
        <span className="mono">
          {format(spent)} / {format(budget)}
        </span>
      </div>
      <div
        className={`bar ${level}`}
        role="meter"
        aria-label={`${label} against budget`}
        aria-valuemin={0}
        aria-valuemax={budget}
        aria-valuenow={spent}
      >
        <div style={{ width: `${Math.round(fraction * 100)}%` }} />
      </div>
    </div>
  );
}
