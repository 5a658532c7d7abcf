"use client";
/**
 * Admin: where alerts go (webhook, Slack, e-mail recipients, quiet period), *Send test alert*, and
 * the alert outbox (each delivery's state, attempts and last error, with *Retry now*), so a sink
 * that is down is seen here rather than lost. Secrets are write-only: the page shows "set".
 */
import { useCallback, useEffect, useState } from "react";
import { errorText, getJson, sendJson } from "./api-client";

export const ALERT_PATHS = {
  overview: "/api/fleet/alerts",
  sinks: "/api/fleet/alerts/sinks",
  test: "/api/fleet/alerts/test",
  retry: (id: string) => `/api/fleet/alerts/deliveries/${encodeURIComponent(id)}/retry`,
};

interface Delivery {
  id: string;
  sink: string;
  notice: string;
  kind: string;
  subject: string;
  status: "pending" | "retrying" | "delivered" | "failed";
  attempts: number;
  createdAt: string;
  lastError?: string;
  nextAttemptAt?: string;
}

interface Overview {
  sinks: {
    webhook: { set: boolean; url?: string; from: string };
    slack: { set: boolean; from: string };
    email: { set: boolean; to: string[]; smtp: boolean };
    quietMs: number;
  };
  open: { kind: string; subject: string; message: string; openedAt: string; notices: number }[];
  deliveries: Delivery[];
  undelivered: number;
}

export function AlertSinksPanel() {
  const [view, setView] = useState<Overview | null>(null);
  const [form, setForm] = useState({ webhookUrl: "", webhookSecret: "", slackUrl: "", emailTo: "", quietMin: "" });
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const guard = useCallback(async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  const load = useCallback(() => guard(async () => setView(await getJson<Overview>(ALERT_PATHS.overview))), [guard]);
  useEffect(() => {
    void load();
    const t = setInterval(() => void load(), 5_000);
    return () => clearInterval(t);
  }, [load]);

  const save = () =>
    guard(async () => {
      const body: Record<string, unknown> = {};
      if (form.webhookUrl) body.webhookUrl = form.webhookUrl.trim();
      if (form.webhookSecret) body.webhookSecret = form.webhookSecret;
      if (form.slackUrl) body.slackUrl = form.slackUrl.trim();
      if (form.emailTo) body.emailTo = form.emailTo.split(",").map((s) => s.trim()).filter(Boolean);
      if (form.quietMin) body.quietMs = Math.round(Number(form.quietMin) * 60_000);
      setView(await sendJson<Overview>("PUT", ALERT_PATHS.sinks, body));
      setForm({ webhookUrl: "", webhookSecret: "", slackUrl: "", emailTo: "", quietMin: "" });
      setNote("saved");
    });
  const test = () =>
    guard(async () => {
      const r = await sendJson<{ sent: Delivery[] }>("POST", ALERT_PATHS.test, {});
      setNote(r.sent.length === 0 ? "no sink is configured" : r.sent.map((d) => `${d.sink}: ${d.status}${d.lastError ? ` (${d.lastError})` : ""}`).join(" · "));
      await load();
    });
  const retry = (id: string) =>
    guard(async () => {
      await sendJson("POST", ALERT_PATHS.retry(id), {});
      await load();
    });

  const s = view?.sinks;
  const field = (key: keyof typeof form, label: string, placeholder: string, type = "text") => (
    <label className="row">
      <span style={{ minWidth: 140 }}>{label}</span>
      <input aria-label={label} type={type} placeholder={placeholder} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} />
    </label>
  );
  return (
    <section className="panel" aria-labelledby="alerts-heading">
      <h2 id="alerts-heading">Alert sinks</h2>
      <ul data-testid="alert-sinks">
        <li>Webhook: {s ? (s.webhook.set ? `set (${s.webhook.url}, signed)` : "not set") : "…"}</li>
        <li>Slack: {s ? (s.slack.set ? "set" : "not set") : "…"}</li>
        <li>E-mail: {s ? (s.email.set ? `to ${s.email.to.join(", ")}` : s.email.smtp ? "SMTP set, no recipients" : "SMTP_URL not set") : "…"}</li>
        <li>Re-sent while open every {s ? Math.round(s.quietMs / 60_000) : "…"} min</li>
      </ul>
      {field("webhookUrl", "Webhook URL", "https://… (empty: keep)")}
      {field("webhookSecret", "Webhook secret", "16+ characters (empty: keep)", "password")}
      {field("slackUrl", "Slack webhook URL", "https://hooks.slack.com/… (empty: keep)")}
      {field("emailTo", "E-mail recipients", "a@example.com, b@example.com")}
      {field("quietMin", "Quiet period (min)", "60", "number")}
      <div className="row">
        <button type="button" onClick={() => void save()}>
          Save sinks
        </button>
        <button type="button" onClick={() => void test()}>
          Send test alert
        </button>
      </div>
      {note && <p data-testid="alert-note">{note}</p>}
      {error && <p role="alert">{error}</p>}
      <h3>Open alerts ({view?.open.length ?? 0})</h3>
      <ul>
        {view?.open.map((a) => (
          <li key={`${a.kind}:${a.subject}`}>
            <strong>{a.kind}</strong> {a.message} (since {a.openedAt}, sent {a.notices}×)
          </li>
        ))}
      </ul>
      <h3>Deliveries{view && view.undelivered > 0 ? ` (${view.undelivered} not delivered)` : ""}</h3>
      <table data-testid="alert-deliveries">
        <thead>
          <tr>
            <th>when</th>
            <th>sink</th>
            <th>alert</th>
            <th>state</th>
            <th>attempts</th>
            <th>last error</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {view?.deliveries.map((d) => (
            <tr key={d.id}>
              <td>{d.createdAt}</td>
              <td>{d.sink}</td>
              <td>
                {d.notice} {d.kind} {d.subject}
              </td>
              <td className={d.status === "failed" || d.status === "retrying" ? "bad" : undefined}>{d.status}</td>
              <td>{d.attempts}</td>
              <td>{d.lastError ?? ""}</td>
              <td>
                {d.status !== "delivered" && (
                  <button type="button" onClick={() => void retry(d.id)}>
                    Retry now
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
