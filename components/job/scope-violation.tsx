"use client";
/**
 * A ship refused with 409 `scope_violation`: the files outside `allowed-scope`, and for an admin
 * the way past it. The override needs a reason (the API refuses one without, and records it in the
 * `ship:overridden` event), so the button stays disabled until one is typed.
 */
import { useState } from "react";
import type { ProblemView } from "@/lib/ui/problem";

export function ScopeViolation({
  problem,
  isAdmin,
  busy,
  onOverride,
}: {
  problem: ProblemView;
  isAdmin: boolean;
  busy: boolean;
  onOverride: (reason: string) => void;
}) {
  const [reason, setReason] = useState("");
  return (
    <div role="alert" aria-label="ship refused" className="panel" style={{ borderColor: "var(--bad)", marginTop: 8 }}>
      <p style={{ margin: 0, color: "var(--bad)", fontWeight: 600 }}>Ship refused: files outside the allowed scope</p>
      <ul aria-label="files outside allowed scope" className="mono">
        {problem.files.map((f) => (
          <li key={f}>{f}</li>
        ))}
      </ul>
      {isAdmin ? (
        <form
          className="row"
          aria-label="override the scope check"
          onSubmit={(e) => {
            e.preventDefault();
            if (reason.trim()) onOverride(reason.trim());
          }}
        >
          <input aria-label="override reason" placeholder="why ship anyway (recorded)" value={reason} onChange={(e) => setReason(e.target.value)} required size={32} />
          <button type="submit" className="danger" disabled={busy || !reason.trim()}>
            Override and ship
          </button>
        </form>
      ) : (
        <p className="muted" style={{ margin: 0 }}>
          Only an admin can ship past the scope check.
        </p>
      )}
    </div>
  );
}
