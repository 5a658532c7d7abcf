"use client";
/**
 * Admin: the Trackers panel (issue 16 item 7). Per connected tracker: its connection (the
 * credential's setting shown only as "set", the webhook secret as set or not, where it talks to,
 * and whether the latest poll or write-back was refused), the poll scopes with the last sync and
 * last error, the webhook deliveries of the last day with the time of the latest, and the
 * write-back outbox backlog (how many wait and since when). Polled every 10 s: the outbox drains
 * and the poller runs without anyone on the page.
 */
import { useCallback, useEffect, useState } from "react";
import type { TrackersView, TrackerStatusView } from "@/lib/api/trackers";
import { formatAge, formatDuration } from "@/lib/ui/format";
import { errorText, getJson } from "./api-client";

export const TRACKERS_PATH = "/api/fleet/trackers";

const NAME: Record<TrackerStatusView["kind"], string> = { github: "GitHub Issues", linear: "Linear" };

export function TrackersPanel() {
  const [view, setView] = useState<TrackersView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setView(await getJson<TrackersView>(TRACKERS_PATH));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 10_000);
    return () => clearInterval(t);
  }, [load]);
  return (
    <section className="panel" aria-labelledby="trackers-heading">
      <h2 id="trackers-heading">Trackers</h2>
      {view ? <TrackersList view={view} /> : !error && <p className="muted">…</p>}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

/** The panel's content for one answer of GET /trackers (no I/O: rendered in tests as is). */
export function TrackersList({ view }: { view: TrackersView }) {
  const now = Date.parse(view.at);
  const when = (t: string | undefined) => (t ? <time dateTime={t} title={t}>{formatAge(Date.parse(t), now)}</time> : <span className="muted">never</span>);
  return (
    <>
      {view.trackers.length === 0 && <p className="muted">No tracker is connected.</p>}
      {view.trackers.map((t) => (
        <article key={t.kind} data-tracker={t.kind} aria-label={`tracker ${t.kind}`} style={{ marginBottom: 12 }}>
          <h3>
            {NAME[t.kind]}{" "}
            <span data-testid="tracker-health" className={t.connection.health === "failing" ? "field-error" : "muted"}>
              {t.connection.health === "ok" ? "connected" : t.connection.health === "failing" ? "connected, failing" : "connected, no traffic yet"}
            </span>
          </h3>
          <table className="data" aria-label={`${t.kind} connection`}>
            <tbody>
              <tr>
                <th scope="row">{t.connection.credential.name}</th>
                <td data-testid="tracker-credential">{t.connection.credential.state}</td>
              </tr>
              <tr>
                <th scope="row">{t.connection.webhookSecret.name}</th>
                <td data-testid="tracker-webhook-secret">{t.connection.webhookSecret.state === "set" ? "set" : "not set: the webhook answers 503, only the poller imports"}</td>
              </tr>
              <tr>
                <th scope="row">API</th>
                <td className="mono">{t.connection.apiUrl}</td>
              </tr>
              {t.connection.lastError && (
                <tr>
                  <th scope="row">last error</th>
                  <td className="field-error" data-testid="tracker-last-error">
                    {t.connection.lastError}
                  </td>
                </tr>
              )}
              <tr>
                <th scope="row">webhook deliveries</th>
                <td data-testid="tracker-webhooks">
                  {t.webhooks.last24h} in the last 24h; last {when(t.webhooks.lastAt)}
                </td>
              </tr>
              <tr>
                <th scope="row">write-back outbox</th>
                <td data-testid="tracker-outbox">
                  {t.outbox.pending === 0 ? (
                    "nothing waiting"
                  ) : (
                    <>
                      {t.outbox.atLeast ? "≥ " : ""}
                      {t.outbox.pending} waiting
                      {t.outbox.oldestPendingAgeMs !== undefined && <>, oldest for {formatDuration(t.outbox.oldestPendingAgeMs)}</>}
                      {t.outbox.lastError && <span className="field-error"> ({t.outbox.lastError})</span>}
                    </>
                  )}
                </td>
              </tr>
            </tbody>
          </table>
          {t.poll.scopes.length > 0 ? (
            <table className="data" aria-label={`${t.kind} poll scopes`} style={{ marginTop: 6 }}>
              <thead>
                <tr>
                  <th scope="col">polled every {formatDuration(t.poll.everyMs)}</th>
                  <th scope="col">last sync</th>
                  <th scope="col">last error</th>
                </tr>
              </thead>
              <tbody>
                {t.poll.scopes.map((s) => (
                  <tr key={s.scope} data-scope={s.scope}>
                    <td className="mono">{s.scope}</td>
                    <td>{when(s.lastSyncAt)}</td>
                    <td className={s.lastError ? "field-error" : "muted"}>
                      {s.lastError ?? "—"}
                      {s.waitsUntil && <> (rate-limited: next try after <time dateTime={s.waitsUntil}>{s.waitsUntil.slice(11, 19)} UTC</time>)</>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted" style={{ fontSize: 12 }}>
              No poll scopes: items arrive by webhook and import{t.kind === "github" ? " (FLEET_TRACKER_POLL_REPOS adds a poller)" : ""}.
            </p>
          )}
        </article>
      ))}
      {view.unconfigured.map((u) => (
        <p key={u.kind} className="muted" data-tracker-unconfigured={u.kind}>
          {NAME[u.kind]}: not connected — {u.hint}.
        </p>
      ))}
    </>
  );
}
