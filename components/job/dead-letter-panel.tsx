import type { DeadLetter } from "@/lib/ui/policy-views";

/** Why a job gave up: the cause and each attempt's factory, outcome, exit code, verify and last log lines. */
export function DeadLetterPanel({ deadLetter, factoryNames }: { deadLetter: DeadLetter; factoryNames: ReadonlyMap<string, string> }) {
  return (
    <section className="panel" aria-labelledby="dead-letter-heading" style={{ borderColor: "var(--bad)" }}>
      <h2 id="dead-letter-heading">Dead letter</h2>
      <p data-testid="dead-letter-cause">{deadLetter.cause || "retries exhausted"}</p>
      <table className="data" aria-label="attempts">
        <thead>
          <tr>
            <th scope="col">attempt</th>
            <th scope="col">factory</th>
            <th scope="col">outcome</th>
            <th scope="col">exit</th>
            <th scope="col">verify</th>
            <th scope="col">last log lines</th>
          </tr>
        </thead>
        <tbody>
          {deadLetter.attempts.map((a) => (
            <tr key={a.attempt}>
              <td className="num">{a.attempt}</td>
              <td>
                {factoryNames.get(a.factoryId) ?? a.factoryId} <span className="muted">({a.engine})</span>
              </td>
              <td>
                {a.outcome}
                {a.endedBy && a.endedBy !== "agent" ? <span className="muted"> ({a.endedBy})</span> : null}
              </td>
              <td className="num">{a.exitCode ?? "—"}</td>
              <td>
                {a.verify ? `${a.verify.passed ? "passed" : "failed"} (exit ${a.verify.exitCode})` : "—"}
                {a.verify?.output ? <pre className="mono" style={{ margin: 0, maxHeight: 120, overflow: "auto" }}>{a.verify.output}</pre> : null}
              </td>
              <td>
                <pre className="mono" style={{ margin: 0, maxHeight: 160, overflow: "auto" }}>{a.lastLog.join("\n") || "—"}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
