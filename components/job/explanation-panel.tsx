import { explainJob, type CandidateRow, type Explanation, type RejectionRow, type TermRow } from "@/lib/ui/explanation";
import { formatDuration } from "@/lib/ui/format";

/**
 * The scheduler's word on this job: "placed on mac-2 (claude) because …" with every score term and
 * the runner-up candidates, or "waiting because …" with each factory's every failed constraint.
 */
export function ExplanationPanel({
  stage = "",
  pending,
  decision,
  pendingReason,
  placedOn,
  factoryNames,
}: {
  stage?: string;
  pending?: unknown;
  decision: unknown;
  pendingReason?: string;
  placedOn?: { factory: string; engine: string };
  factoryNames?: ReadonlyMap<string, string>;
}) {
  const e = explainJob({ stage, pending, decision, pendingReason, placedOn, factoryNames });
  return (
    <section className="panel" aria-labelledby="why-heading">
      <h2 id="why-heading">Scheduler</h2>
      <p data-testid="explanation">{e.headline}</p>
      {e.kind === "placed" && <Placed e={e} />}
      {e.kind === "unplaced" && <Waiting e={e} />}
    </section>
  );
}

function Placed({ e }: { e: Extract<Explanation, { kind: "placed" }> }) {
  return (
    <>
      {e.pull && (
        <p className="muted">
          {`ranked ${e.pull.rank} of ${e.pull.eligible} job(s) this factory could run`}
          {e.pull.aged ? `; priority aged from ${e.pull.aged.from} to ${e.pull.aged.to}` : ""}
          {e.pull.waitedMs > 0 ? `; waited ${formatDuration(e.pull.waitedMs)}` : ""}
        </p>
      )}
      <ScoreTerms terms={e.terms} label="score terms" />
      <Candidates rows={e.candidates} />
      <Rejections rows={e.rejected} total={e.rejectedTotal} title="Factories that could not take it" />
    </>
  );
}

function Waiting({ e }: { e: Extract<Explanation, { kind: "unplaced" }> }) {
  return (
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
      {e.placeableOn && (
        <p className="muted">
          Once that clears it can run on {e.placeableOn.factory} ({e.placeableOn.engine}).
        </p>
      )}
      {e.lastRound && (
        <p className="muted">
          Last claim round: {e.lastRound.reason}
          {e.lastRound.at ? ` (${e.lastRound.at.slice(11, 19)})` : ""}
        </p>
      )}
      <Rejections rows={e.factories} total={e.factories.length} title="Each factory's failed constraints" />
    </>
  );
}

/** name, value, weight, and their product: the term's share of the score (largest first). */
function ScoreTerms({ terms, label }: { terms: TermRow[]; label: string }) {
  if (terms.length === 0) return null;
  return (
    <table className="data" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">term</th>
          <th scope="col">value</th>
          <th scope="col">weight</th>
          <th scope="col">contribution</th>
        </tr>
      </thead>
      <tbody>
        {terms.map((t) => (
          <tr key={t.name}>
            <td>{t.name}</td>
            <td className="num">{t.value.toFixed(2)}</td>
            <td className="num">{t.weight.toFixed(2)}</td>
            <td className="num">{t.contribution.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The winner and the runner-ups, each with the terms that separate them (top three by contribution). */
function Candidates({ rows }: { rows: CandidateRow[] }) {
  if (rows.length < 2) return null;
  return (
    <>
      <h3>Candidates considered</h3>
      <table className="data" aria-label="candidates">
        <thead>
          <tr>
            <th scope="col">factory</th>
            <th scope="col">engine</th>
            <th scope="col">score</th>
            <th scope="col">strongest terms</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={`${c.factory}/${c.engine}`} aria-current={c.winner || undefined}>
              <td>
                {c.factory}
                {c.winner ? " (chosen)" : ""}
              </td>
              <td>{c.engine}</td>
              <td className="num">{c.score.toFixed(2)}</td>
              <td className="muted">
                {c.terms
                  .slice(0, 3)
                  .map((t) => `${t.name} ${t.contribution.toFixed(2)}`)
                  .join(", ")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** One row per failed constraint, so a factory with three problems shows all three. */
function Rejections({ rows, total, title }: { rows: RejectionRow[]; total: number; title: string }) {
  if (rows.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <table className="data" aria-label={title}>
        <thead>
          <tr>
            <th scope="col">factory</th>
            <th scope="col">constraint</th>
            <th scope="col">detail</th>
          </tr>
        </thead>
        <tbody>
          {rows.flatMap((f, fi) =>
            (f.reasons.length ? f.reasons : [{ code: "?", detail: "no reason recorded" }]).map((r, i) => (
              <tr key={`${fi}:${i}`} data-factory={f.factory}>
                {i === 0 && (
                  <th scope="row" rowSpan={Math.max(1, f.reasons.length)}>
                    {f.factory}
                  </th>
                )}
                <td>
                  <code>{r.code}</code>
                </td>
                <td>{r.detail}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
      {total > rows.length && <p className="muted">…and {total - rows.length} more factories.</p>}
    </>
  );
}
