"use client";
/**
 * Admin: the scheduler's scorer weights and the SLA target per priority. Each value shows where it
 * comes from (default, environment, this page); saving replaces what the page saved for that part,
 * an emptied field falls back to the environment or the default. The next placement is made, and
 * explained, with the new weights; the SLA targets drive the jobs table's *overdue* marker and the
 * `fleet_queue_overdue` metric.
 */
import { useCallback, useEffect, useState } from "react";
import type { SchedulingSettingsView } from "@/lib/api/operations";
import { SCORER_NAMES } from "@/lib/scorers";
import { PRIORITIES } from "@/lib/types";
import { errorText, getJson, sendJson } from "./api-client";

export const SCHEDULING_PATH = "/api/fleet/scheduling";

type Form = { weights: Record<string, string>; slaMin: Record<string, string> };

/** The form's fields: only values this page saved are filled in (the rest show their value as a placeholder). */
function formOf(v: SchedulingSettingsView): Form {
  const saved = <T extends { value: number; from: string }>(e: T | undefined, f: (n: number) => string) => (e && e.from === "settings" ? f(e.value) : "");
  return {
    weights: Object.fromEntries(SCORER_NAMES.map((n) => [n, saved(v.weights[n], String)])),
    slaMin: Object.fromEntries(PRIORITIES.map((p) => [p, saved(v.slaMs[p], (ms) => String(ms / 60_000))])),
  };
}

export function SchedulingPanel() {
  const [view, setView] = useState<SchedulingSettingsView | null>(null);
  const [form, setForm] = useState<Form>({ weights: {}, slaMin: {} });
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void getJson<SchedulingSettingsView>(SCHEDULING_PATH).then(
      (v) => {
        setView(v);
        setForm(formOf(v));
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, []);

  const save = useCallback(async () => {
    setError(null);
    setNote(null);
    const weights: Record<string, number> = {};
    for (const [n, text] of Object.entries(form.weights)) if (text.trim() !== "") weights[n] = Number(text);
    const slaMs: Record<string, number> = {};
    for (const [p, text] of Object.entries(form.slaMin)) if (text.trim() !== "") slaMs[p] = Math.round(Number(text) * 60_000);
    try {
      // The server validates (each error names its field: weights.load, slaMs.critical).
      const v = await sendJson<SchedulingSettingsView>("PUT", SCHEDULING_PATH, { weights, slaMs });
      setView(v);
      setForm(formOf(v));
      setNote("saved: the next placement uses these");
    } catch (e) {
      setError(errorText(e));
    }
  }, [form]);

  return (
    <section className="panel" aria-labelledby="scheduling-heading">
      <h2 id="scheduling-heading">Scheduler weights and SLA targets</h2>
      <fieldset>
        <legend>Scorer weights (0–100; each term is 0..1 × its weight)</legend>
        <div className="form-grid">
          {SCORER_NAMES.map((n) => {
            const e = view?.weights[n];
            return (
              <label className="field" key={n}>
                <span>
                  {n} {e ? `(${e.value}, ${e.from}; default ${e.default})` : ""}
                </span>
                <input
                  aria-label={`weight ${n}`}
                  type="number"
                  min={0}
                  max={100}
                  step="any"
                  placeholder={e ? String(e.value) : ""}
                  value={form.weights[n] ?? ""}
                  onChange={(ev) => setForm({ ...form, weights: { ...form.weights, [n]: ev.target.value } })}
                />
              </label>
            );
          })}
        </div>
      </fieldset>
      <fieldset>
        <legend>SLA: minutes a queued job may wait before it is overdue</legend>
        <div className="form-grid">
          {PRIORITIES.map((p) => {
            const e = view?.slaMs[p];
            return (
              <label className="field" key={p}>
                <span>
                  {p} {e ? `(${e.value / 60_000} min, ${e.from}; default ${e.default / 60_000})` : ""}
                </span>
                <input
                  aria-label={`SLA ${p} (min)`}
                  type="number"
                  min={0.02}
                  step="any"
                  placeholder={e ? String(e.value / 60_000) : ""}
                  value={form.slaMin[p] ?? ""}
                  onChange={(ev) => setForm({ ...form, slaMin: { ...form.slaMin, [p]: ev.target.value } })}
                />
              </label>
            );
          })}
        </div>
      </fieldset>
      <button type="button" onClick={() => void save()}>
        Save weights and SLA
      </button>
      {view?.updatedAt && (
        <p className="muted">
          last saved {view.updatedAt} by {view.by}
        </p>
      )}
      {note && <p data-testid="scheduling-note">{note}</p>}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
