import { explainDecision } from "@/lib/ui/explanation";

/** "Placed on mac-2 because …" with every score term, or "waiting because …" with each factory's failed constraints. */
export function ExplanationPanel({
  decision,
  pendingReason,
  placedOn,
  factoryNames,
}: {
  decision: unknown;
  pendingReason?: string;
  placedOn?: { factory: string; engine: string };
  factoryNames?: ReadonlyMap<string, string>;
}) {
  const e = explainDecision(decision, pendingReason, placedOn, factoryNames);
  return (
    <section className="panel" aria-labelledby="why-heading">
      <h2 id="why-heading">Scheduler</h2>
      <p data-testid="explanation">{e.headline}</p>
      {e.kind === "placed" && (
        <>
          {e.terms.length > 0 && (
          <table className="data" aria-label="score terms">
            <thead>
              <tr>
                <th scope="col">term</th>
                <th scope="col">value</th>
                <th scope="col">weight</th>
                <th scope="col">contribution</th>
              </tr>
            </thead>
            <tbody>
              {e.terms.map((t) => (
                <tr key={t.name}>
                  <td>{t.name}</td>
                  <td className="num">{t.value.toFixed(2)}</td>
                  <td className="num">{t.weight.toFixed(2)}</td>
                  <td className="num">{t.contribution.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          )}
          {e.candidates.length > 1 && (
            <p className="muted">
              Candidates:{" "}
              {e.candidates.map((c) => `${c.factory}/${c.engine} ${c.score.toFixed(2)}${c.winner ? " (chosen)" : ""}`).join(", ")}
            </p>
          )}
          <Rejections rows={e.rejected} title="Factories that could not take it" />
        </>
      )}
      {e.kind === "unplaced" && (
        <>
          {e.jobReasons.length > 0 && (
            <ul aria-label="job-level reasons">
              {e.jobReasons.map((r, i) => (
                <li key={i}>
                  <code>{r.code}</code> {r.detail}
                </li>
              ))}
            </ul>
          )}
          <Rejections rows={e.factories} title="Each factory's failed constraints" />
        </>
      )}
    </section>
  );
}

function Rejections({ rows, title }: { rows: { factory: string; reasons: { code: string; detail: string }[] }[]; title: string }) {
  if (rows.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul aria-label={title}>
        {rows.map((f) => (
          <li key={f.factory}>
            <strong>{f.factory}</strong>:{" "}
            {f.reasons.map((r, i) => (
              <span key={i} className="chip bad" title={r.code} style={{ marginRight: 4 }}>
                {r.detail || r.code}
              </span>
            ))}
          </li>
        ))}
      </ul>
    </>
  );
}
