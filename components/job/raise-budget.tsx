"use client";
/**
 * Resume a budget-paused job with raised ceilings. Only the fields typed are sent (the others keep
 * their ceiling); the API answers 409 `budget_exceeded` while the job is still over, and that
 * message is shown by the caller next to the buttons.
 */
import { useState } from "react";
import { parseDuration } from "@/lib/duration";
import { parseBudgetRaise, type BudgetDraft } from "@/lib/ui/policy-views";

type Budget = { usd?: number; tokens?: number; wall?: number };

export function RaiseBudget({ breaches, busy, onResume }: { breaches: string[]; busy: boolean; onResume: (budget: Budget) => void }) {
  const [draft, setDraft] = useState<BudgetDraft>({ usd: "", tokens: "", wall: "" });
  const [errors, setErrors] = useState<Partial<Record<keyof BudgetDraft, string>>>({});
  const field = (key: keyof BudgetDraft, label: string, placeholder: string) => (
    <label style={{ display: "grid", gap: 2 }}>
      <span>{label}</span>
      <input
        value={draft[key]}
        placeholder={placeholder}
        size={10}
        aria-invalid={errors[key] ? true : undefined}
        aria-describedby={errors[key] ? `budget-${key}-error` : undefined}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
      {errors[key] && (
        <span id={`budget-${key}-error`} className="field-error">
          {errors[key]}
        </span>
      )}
    </label>
  );
  return (
    <form
      aria-label="resume with a raised budget"
      className="panel"
      style={{ marginTop: 8 }}
      onSubmit={(e) => {
        e.preventDefault();
        const r = parseBudgetRaise(draft, parseDuration);
        if (!r.ok) return setErrors(r.errors);
        setErrors({});
        onResume(r.budget);
      }}
    >
      <p style={{ margin: "0 0 6px" }}>
        Paused over budget{breaches.length ? `: ${breaches.join("; ")}` : ""}. Raise a ceiling to resume.
      </p>
      <div className="row" style={{ alignItems: "end" }}>
        {field("usd", "New dollar budget", "e.g. 5")}
        {field("tokens", "New token budget", "e.g. 200000")}
        {field("wall", "New wall-time budget", "e.g. 1h")}
        <button type="submit" className="primary" disabled={busy}>
          Resume with raised budget
        </button>
      </div>
    </form>
  );
}
