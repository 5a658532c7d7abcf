import type { LateResult } from "@/lib/ui/late-results";

/**
 * Attempts that finished after their lease was reaped (issue 17): shown beside the job, never
 * acted on. The job did not move on them; a retry (if any) is the attempt that counts.
 */
export function LateResultsPanel({ results }: { results: LateResult[] }) {
  if (results.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="late-results-heading">
      <h2 id="late-results-heading">Late results</h2>
      <p className="muted">
        These attempts lost their lease (the factory was cut off past its TTL) but finished and reported later. They are recorded for you to judge; the job did not move on them.
      </p>
      <ul aria-label="late results">
        {results.map((r) => (
          <li key={r.seq} data-outcome={r.outcome}>
            <strong>{r.epoch !== undefined ? `attempt ${r.epoch}` : "an earlier attempt"}</strong>: {r.outcome}
            {r.exitCode !== undefined && r.exitCode !== null ? ` (exit ${r.exitCode})` : ""}
            {r.verifyPassed !== undefined ? `, verify ${r.verifyPassed ? "passed" : "failed"}` : ""}
            <span className="muted">
              {" "}
              — arrived {new Date(r.at).toISOString().slice(0, 19).replace("T", " ")} UTC{r.stage ? ` while the job was ${r.stage}` : ""}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
