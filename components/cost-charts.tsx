"use client";
/**
 * Costs: spend per day with the burndown of a period budget, spend by product / profile / engine /
 * factory, and the jobs nearest their budget. Reads the most recent jobs (bounded, a few pages) and
 * shapes them with lib/ui/cost-data.
 */
import { useEffect, useMemo, useState } from "react";
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { FactoryView, JobsPage, JobView } from "@/lib/ui/api-types";
import { jobCostEntry, nearestBudget, spendBy, spendPerDay, type CostDimension } from "@/lib/ui/cost-data";
import { formatUsd } from "@/lib/ui/format";
import { getJson } from "./api-client";
import { StageBadge } from "./badges";
import { CostBar } from "./cost-bar";

const MAX_PAGES = 4;
const DIMENSIONS: CostDimension[] = ["product", "profile", "engine", "factory"];

export function CostCharts() {
  const [jobs, setJobs] = useState<JobView[] | null>(null);
  const [factories, setFactories] = useState<Map<string, string>>(new Map());
  const [days, setDays] = useState(14);
  const [budgetText, setBudgetText] = useState("");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const load = async () => {
      const all: JobView[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < MAX_PAGES; i++) {
        const page = await getJson<JobsPage>(`/api/fleet/jobs?limit=500&sort=updatedAt&order=desc${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        all.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      setJobs(all);
      const f = await getJson<{ items: FactoryView[] }>("/api/fleet/factories").catch(() => ({ items: [] as FactoryView[] }));
      setFactories(new Map(f.items.map((x) => [x.id, x.name])));
    };
    load().catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  const shaped = useMemo(() => (jobs ?? []).map((j) => jobCostEntry(j, factories)), [jobs, factories]);
  const entries = shaped.map((s) => s.entry);
  const defaultBudget = shaped.reduce((sum, s) => sum + (s.budget.budgetUsd ?? 0), 0);
  const budget = budgetText.trim() ? Number(budgetText) : defaultBudget || undefined;
  const perDay = spendPerDay(entries, Date.now(), days, Number.isFinite(budget) ? budget : undefined);
  const total = entries.reduce((s, e) => s + e.usd, 0);
  const nearest = nearestBudget(shaped.map((s) => s.budget));

  if (error) return <p role="alert">{error}</p>;
  if (!jobs) return <p className="muted">loading…</p>;

  return (
    <div style={{ display: "grid", gap: 16 }}>
      <section className="panel" aria-labelledby="burndown-heading">
        <div className="row" style={{ justifyContent: "space-between" }}>
          <h2 id="burndown-heading">Spend per day against budget</h2>
          <div className="row">
            <label className="row">
              days
              <select value={days} onChange={(e) => setDays(Number(e.target.value))} aria-label="days shown">
                {[7, 14, 30, 90].map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
            <label className="row">
              period budget $
              <input size={8} value={budgetText} placeholder={defaultBudget ? String(defaultBudget) : "none"} onChange={(e) => setBudgetText(e.target.value)} aria-label="period budget in dollars" />
            </label>
          </div>
        </div>
        <p className="muted">
          {formatUsd(total)} over {jobs.length} most recent jobs (each job&apos;s spend counted on the day of its last update)
        </p>
        <div style={{ height: 280 }} data-testid="burndown-chart">
          <ResponsiveContainer>
            <ComposedChart data={perDay}>
              <CartesianGrid stroke="#2a2f3a" />
              <XAxis dataKey="day" stroke="#9aa3b2" fontSize={11} />
              <YAxis stroke="#9aa3b2" fontSize={11} />
              <Tooltip contentStyle={{ background: "#171a21", border: "1px solid #2a2f3a" }} />
              <Legend />
              <Bar dataKey="spend" name="spend ($)" fill="#6ea8fe" />
              {budget !== undefined && <Line dataKey="remaining" name="budget left ($)" stroke="#22c55e" dot={false} />}
              {budget !== undefined && <Line dataKey="ideal" name="even burn ($)" stroke="#9aa3b2" strokeDasharray="4 4" dot={false} />}
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      </section>

      <div className="grid">
        {DIMENSIONS.map((d) => {
          const rows = spendBy(entries, d).slice(0, 12);
          return (
            <section key={d} className="panel" aria-labelledby={`by-${d}`}>
              <h2 id={`by-${d}`}>By {d}</h2>
              <div style={{ height: 220 }}>
                <ResponsiveContainer>
                  <BarChart data={rows} layout="vertical" margin={{ left: 24 }}>
                    <CartesianGrid stroke="#2a2f3a" />
                    <XAxis type="number" stroke="#9aa3b2" fontSize={11} />
                    <YAxis type="category" dataKey="name" stroke="#9aa3b2" fontSize={11} width={90} />
                    <Tooltip contentStyle={{ background: "#171a21", border: "1px solid #2a2f3a" }} />
                    <Bar dataKey="usd" name="$" fill="#a78bfa" />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            </section>
          );
        })}
      </div>

      <section className="panel" aria-labelledby="nearest-heading">
        <h2 id="nearest-heading">Nearest their budget</h2>
        {nearest.length === 0 ? (
          <p className="muted">no job with a budget</p>
        ) : (
          <table className="data">
            <thead>
              <tr>
                <th scope="col">job</th>
                <th scope="col">stage</th>
                <th scope="col">limited by</th>
                <th scope="col" style={{ width: "40%" }}>
                  spend
                </th>
              </tr>
            </thead>
            <tbody>
              {nearest.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={`/jobs/${encodeURIComponent(r.id)}`}>{r.title}</a>
                  </td>
                  <td>
                    <StageBadge stage={r.stage} />
                  </td>
                  <td>{r.limitedBy}</td>
                  <td>
                    {r.limitedBy === "usd" ? (
                      <CostBar label={`${Math.round(r.fraction * 100)}%`} spent={r.spentUsd} budget={r.budgetUsd} format={formatUsd} />
                    ) : (
                      <CostBar label={`${Math.round(r.fraction * 100)}%`} spent={r.spentTokens} budget={r.budgetTokens} format={(n) => `${n}`} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
