"use client";
/**
 * Every factory at a glance: status, OS, stations per engine (one square per slot, filled = busy),
 * load, capabilities, warm repos, seconds since the last heartbeat and the jobs it runs. Live from
 * the fleet-wide SSE stream (any event triggers a re-read, coalesced); polls every 5 s while the
 * stream is down. Drain is an operator action.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { FactoryView, JobsPage, JobView } from "@/lib/ui/api-types";
import { jobsByFactory, stationUse, statusRank, warmRepos } from "@/lib/ui/fleet";
import { errorText, getJson, sendJson } from "./api-client";
import { StageBadge } from "./badges";
import { useSse, type StreamStatus } from "./use-sse";

export function FleetMap({ canOperate }: { canOperate: boolean }) {
  const [factories, setFactories] = useState<FactoryView[] | null>(null);
  const [running, setRunning] = useState<Map<string, JobView[]>>(new Map());
  const [loadedAt, setLoadedAt] = useState(0);
  const [now, setNow] = useState(0);
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const [error, setError] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(async () => {
    try {
      const [f, jobs] = await Promise.all([
        getJson<{ items: FactoryView[] }>("/api/fleet/factories"),
        getJson<JobsPage>("/api/fleet/jobs?stage=assigned,building&limit=500"),
      ]);
      setFactories(f.items);
      setRunning(jobsByFactory(jobs.items));
      setLoadedAt(Date.now());
      setNow(Date.now());
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    if (status === "live") return;
    const t = setInterval(() => void load(), 5000);
    return () => clearInterval(t);
  }, [status, load]);

  useSse({
    url: "/api/fleet/stream",
    onStatus: setStatus,
    onMessage: () => {
      if (timer.current) return;
      timer.current = setTimeout(() => {
        timer.current = null;
        void load();
      }, 250);
    },
  });

  const drain = async (f: FactoryView) => {
    if (!window.confirm(`Drain ${f.name}? It finishes its running jobs and claims nothing new.`)) return;
    try {
      await sendJson("POST", `/api/fleet/factories/${encodeURIComponent(f.id)}/drain`, {});
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };

  if (!factories) return <p className="muted">{error ?? "loading…"}</p>;
  const sorted = [...factories].sort((a, b) => statusRank(a.status) - statusRank(b.status) || a.name.localeCompare(b.name));
  const elapsed = Math.max(0, Math.round((now - loadedAt) / 1000));

  return (
    <section aria-label="fleet">
      <p className="muted" data-testid="stream-status">
        {factories.length} factories · {status === "live" ? "● live" : `${status} (polling)`}
      </p>
      {error && <p role="alert">{error}</p>}
      {factories.length === 0 && <p>No factories yet. Start one with <code>npx fleet-agent --server URL --token ENROLLMENT_TOKEN</code>.</p>}
      <div className="grid">
        {sorted.map((f) => {
          const jobs = running.get(f.id) ?? [];
          const since = f.secondsSinceHeartbeat + elapsed;
          return (
            <article key={f.id} className={`panel factory ${f.status}`} aria-label={`factory ${f.name}`} data-status={f.status}>
              <header className="row" style={{ justifyContent: "space-between" }}>
                <h2 style={{ margin: 0 }}>{f.name}</h2>
                <span className={`chip${f.status === "online" ? "" : " bad"}`} data-testid="factory-status">
                  {f.status.toUpperCase()}
                </span>
              </header>
              <dl className="kv" style={{ marginTop: 8 }}>
                <dt>OS</dt>
                <dd>
                  {f.os}/{f.arch} · agent {f.version}
                </dd>
                <dt>Heartbeat</dt>
                <dd data-testid="heartbeat-age">{since}s ago</dd>
                <dt>Load</dt>
                <dd>{Math.round(f.load * 100)}%</dd>
                <dt>Stations</dt>
                <dd>
                  {stationUse(f).map((s) => (
                    <div key={s.engine} aria-label={`${s.engine}: ${s.busy} busy, ${s.free} free`} data-engine={s.engine} data-busy={s.busy}>
                      <span className="mono" style={{ display: "inline-block", minWidth: 64 }}>
                        {s.engine}
                      </span>
                      {Array.from({ length: s.slots }, (_, i) => (
                        <span key={i} className={`slot ${i < s.busy ? "busy" : "free"}`} />
                      ))}
                      <span className="muted">
                        {" "}
                        {s.busy} busy / {s.free} free
                      </span>
                    </div>
                  ))}
                </dd>
                <dt>Warm</dt>
                <dd>{warmRepos(f).join(", ") || <span className="muted">none</span>}</dd>
              </dl>
              <details style={{ marginTop: 6 }}>
                <summary className="muted">{f.capabilities.length} capabilities</summary>
                <div className="chips">
                  {f.capabilities.map((c) => (
                    <span key={c} className="chip">
                      {c}
                    </span>
                  ))}
                </div>
              </details>
              <h3>Running ({jobs.length || f.running})</h3>
              <ul style={{ margin: 0, paddingLeft: 18 }} aria-label={`jobs on ${f.name}`}>
                {jobs.map((j) => (
                  <li key={j.id}>
                    <StageBadge stage={j.stage} /> <a href={`/jobs/${encodeURIComponent(j.id)}`}>{j.title}</a>{" "}
                    <span className="muted">{j.lease?.engine}</span>
                  </li>
                ))}
              </ul>
              {canOperate && f.status === "online" && (
                <button type="button" style={{ marginTop: 8 }} onClick={() => void drain(f)}>
                  Drain {f.name}
                </button>
              )}
            </article>
          );
        })}
      </div>
    </section>
  );
}
