import type { ProblemView } from "@/lib/ui/problem";

/** An API refusal next to the button that caused it: the detail, every field message and, when the caller knows it, what to do next. */
export function ProblemMessage({ problem, label, next }: { problem: ProblemView; label: string; next?: string }) {
  const extra = problem.messages.filter((m) => !problem.summary.includes(m));
  return (
    <div role="alert" aria-label={label} className="field-error" style={{ fontSize: 13 }}>
      <span data-problem-code={problem.code}>{problem.summary}</span>
      {extra.length > 0 && (
        <ul style={{ margin: "4px 0 0 16px", padding: 0 }}>
          {extra.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      {problem.missing.length > 0 && <p style={{ margin: "4px 0 0" }}>Still needed: {problem.missing.join(", ")}</p>}
      {next && (
        <p style={{ margin: "4px 0 0" }} data-testid="problem-next-step">
          {next}
        </p>
      )}
    </div>
  );
}
