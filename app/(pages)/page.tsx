import type { Metadata } from "next";
import { StageBadge } from "@/components/badges";
import { STAGES } from "@/lib/types";
import { formatUsd } from "@/lib/ui/format";
import { stats } from "@/server/coordinator";
import { services } from "@/server/wiring";
import { currentViewer } from "./_lib/session";

export const metadata: Metadata = { title: "Overview · Gigafactory" };

/** The first screen: queue depth by stage, fleet health, utilisation, pass rate and spend. */
export default async function Overview() {
  await currentViewer("/");
  const { ctx } = await services();
  const s = await stats(ctx);
  return (
    <main className="page">
      <h1>Overview</h1>
      <div className="grid">
        <section className="panel" aria-labelledby="queue-heading">
          <h2 id="queue-heading">Jobs by stage</h2>
          <ul style={{ listStyle: "none", padding: 0, margin: 0 }}>
            {STAGES.map((stage) => (
              <li key={stage} className="row" style={{ justifyContent: "space-between", padding: "2px 0" }}>
                <a href={`/jobs?stage=${stage}`}>
                  <StageBadge stage={stage} />
                </a>
                <span className="mono">{s.queueDepth[stage] ?? 0}</span>
              </li>
            ))}
          </ul>
        </section>
        <section className="panel" aria-labelledby="fleet-heading">
          <h2 id="fleet-heading">Fleet</h2>
          <dl className="kv">
            {Object.entries(s.factories).map(([health, n]) => (
              <div key={health} style={{ display: "contents" }}>
                <dt>{health}</dt>
                <dd>{n}</dd>
              </div>
            ))}
            <dt>utilisation</dt>
            <dd>{Math.round(s.utilization * 100)}%</dd>
            <dt>waiting claims</dt>
            <dd>{s.waitingClaims}</dd>
          </dl>
          <p>
            <a href="/fleet">Open the fleet map →</a>
          </p>
        </section>
        <section className="panel" aria-labelledby="quality-heading">
          <h2 id="quality-heading">Quality and spend</h2>
          <dl className="kv">
            <dt>pass rate</dt>
            <dd>{s.passRate === null ? "—" : `${Math.round(s.passRate * 100)}%`}</dd>
            <dt>spend</dt>
            <dd>{formatUsd(s.cost.usd)}</dd>
            <dt>tokens</dt>
            <dd>{s.cost.tokensIn + s.cost.tokensOut}</dd>
          </dl>
          <p>
            <a href="/costs">Costs →</a>
          </p>
        </section>
      </div>
    </main>
  );
}
