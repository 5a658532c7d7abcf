"use client";
/**
 * File a task. Two modes over one text: the form assembles a job file (lib/ui/manifest-form) and
 * "paste a job file" edits it directly. Either way the browser runs the same parser the coordinator
 * runs (lib/manifest parseJobFile), so the messages while typing are the messages the API would
 * return. Submitting POSTs the job file as text/markdown and opens the new job.
 */
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { stringify } from "yaml";
import { parseJobFile } from "@/lib/manifest";
import { PRIORITIES, RETRY_ON } from "@/lib/types";
import { EMPTY_FORM, formToJobFile, problemsByField, type FormField, type ManifestForm } from "@/lib/ui/manifest-form";
import { renderMarkdown } from "@/lib/ui/markdown";
import { ApiError, getJson, sendText } from "./api-client";

type ProfileSummary = { name: string; [key: string]: unknown };

const TEXT_FIELDS: { key: FormField; label: string; placeholder?: string; hint?: string }[] = [
  { key: "engine", label: "Engine", placeholder: "claude, codex, shell…", hint: "overrides the profile and engine class" },
  { key: "engine-class", label: "Engine class", placeholder: "agentic-coder" },
  { key: "repo", label: "Repository", placeholder: "git@github.com:acme/web.git" },
  { key: "cwd", label: "Working directory", placeholder: "packages/app" },
  { key: "verify", label: "Verify command", placeholder: "npm test" },
  { key: "timeout", label: "Timeout", placeholder: "45m" },
  { key: "lock", label: "Lock", placeholder: "web-deploy" },
  { key: "product", label: "Product", placeholder: "default" },
  { key: "idempotency-key", label: "Idempotency key" },
  { key: "tracker-item", label: "Tracker item", placeholder: "ACME-123" },
];
const LIST_FIELDS: { key: FormField; label: string; placeholder: string }[] = [
  { key: "capabilities", label: "Capabilities (hard)", placeholder: "os:mac, has:xcode, node>=20" },
  { key: "prefers", label: "Prefers (soft)", placeholder: "factory:mac-2" },
  { key: "deps", label: "Depends on (job ids or keys)", placeholder: "j_abc, build-api" },
  { key: "allowed-scope", label: "Allowed scope (globs)", placeholder: "src/**, test/**" },
  { key: "artifacts", label: "Artifacts", placeholder: "diff, coverage" },
];

export function NewJobForm() {
  const router = useRouter();
  const [mode, setMode] = useState<"form" | "paste">("form");
  const [form, setForm] = useState<ManifestForm>(EMPTY_FORM);
  const [pasted, setPasted] = useState("");
  const [touched, setTouched] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [serverErrors, setServerErrors] = useState<{ path: string; message: string }[]>([]);
  const [serverMessage, setServerMessage] = useState<string | null>(null);
  const [profiles, setProfiles] = useState<ProfileSummary[]>([]);
  const [preview, setPreview] = useState(false);

  useEffect(() => {
    getJson<{ items: ProfileSummary[] } | ProfileSummary[]>("/api/fleet/profiles")
      .then((r) => setProfiles(Array.isArray(r) ? r : r.items))
      .catch(() => setProfiles([]));
  }, []);

  const text = mode === "form" ? formToJobFile(form) : pasted;
  const result = useMemo(() => parseJobFile(text), [text]);
  const problems = result.ok ? [] : result.errors;
  const grouped = problemsByField(touched ? problems : problems.filter((p) => p.path !== "(body)"));
  const selectedProfile = profiles.find((p) => p.name === form.profile);

  const set = <K extends FormField>(key: K, value: ManifestForm[K]) => {
    setTouched(true);
    setForm((f) => ({ ...f, [key]: value }));
  };

  const switchMode = (next: "form" | "paste") => {
    if (next === "paste" && !pasted) setPasted(formToJobFile(form));
    setMode(next);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!result.ok) return;
    setSubmitting(true);
    setServerErrors([]);
    setServerMessage(null);
    try {
      const created = await sendText<{ id?: string; job?: { id: string } }>("/api/fleet/jobs", "text/markdown", text);
      const id = created.job?.id ?? created.id;
      if (id) router.push(`/jobs/${encodeURIComponent(id)}`);
    } catch (err) {
      if (err instanceof ApiError) {
        setServerErrors(err.problems);
        setServerMessage(err.message);
      } else setServerMessage(String(err));
      setSubmitting(false);
    }
  };

  const errorsFor = (key: FormField) =>
    (grouped.fields[key] ?? []).map((m, i) => (
      <div key={i} className="field-error" id={`${key}-error`}>
        {m}
      </div>
    ));
  const describedBy = (key: FormField) => (grouped.fields[key]?.length ? `${key}-error` : undefined);

  return (
    <form onSubmit={submit} aria-label="file a task" noValidate>
      <div className="row" role="tablist" aria-label="input mode" style={{ marginBottom: 12 }}>
        <button type="button" role="tab" aria-selected={mode === "form"} className={mode === "form" ? "primary" : ""} onClick={() => switchMode("form")}>
          Form
        </button>
        <button type="button" role="tab" aria-selected={mode === "paste"} className={mode === "paste" ? "primary" : ""} onClick={() => switchMode("paste")}>
          Paste a job file
        </button>
      </div>

      {mode === "paste" ? (
        <label className="field">
          <span>Job file (YAML front matter + markdown prompt)</span>
          <textarea
            rows={22}
            value={pasted}
            onChange={(e) => {
              setTouched(true);
              setPasted(e.target.value);
            }}
            aria-label="job file"
            placeholder={"---\nengine: shell\nverify: npm test\n---\n\n# Title\n\nWhat to do."}
          />
        </label>
      ) : (
        <div className="two-col">
          <div>
            <label className="field">
              <span>Title</span>
              <input value={form.title} onChange={(e) => set("title", e.target.value)} placeholder="Fix the login redirect" />
            </label>
            <div className="field">
              <div className="row" style={{ justifyContent: "space-between" }}>
                <label htmlFor="job-body" className="muted" style={{ fontSize: 12 }}>
                  Prompt (markdown)
                </label>
                <button type="button" aria-pressed={preview} onClick={() => setPreview(!preview)}>
                  {preview ? "Edit" : "Preview"}
                </button>
              </div>
              {preview ? (
                <div className="panel markdown" data-testid="body-preview" dangerouslySetInnerHTML={{ __html: renderMarkdown(form.body || "*nothing yet*") }} />
              ) : (
                <textarea id="job-body" rows={12} value={form.body} onChange={(e) => set("body", e.target.value)} aria-describedby={describedBy("body")} />
              )}
              {errorsFor("body")}
            </div>

            <fieldset>
              <legend>Where and how</legend>
              <div className="form-grid">
                {TEXT_FIELDS.map((f) => (
                  <label key={f.key} className="field">
                    <span>{f.label}</span>
                    <input
                      value={form[f.key] as string}
                      placeholder={f.placeholder}
                      onChange={(e) => set(f.key, e.target.value as never)}
                      aria-invalid={Boolean(grouped.fields[f.key]?.length)}
                      aria-describedby={describedBy(f.key)}
                    />
                    {errorsFor(f.key)}
                  </label>
                ))}
                <label className="field">
                  <span>Priority</span>
                  <select value={form.priority} onChange={(e) => set("priority", e.target.value)} aria-describedby={describedBy("priority")}>
                    {PRIORITIES.map((p) => (
                      <option key={p} value={p}>
                        {p}
                      </option>
                    ))}
                  </select>
                  {errorsFor("priority")}
                </label>
                <label className="field row" style={{ alignItems: "center" }}>
                  <input type="checkbox" checked={form.yolo} onChange={(e) => set("yolo", e.target.checked)} />
                  <span style={{ margin: 0 }}>yolo (auto-approve the engine&apos;s actions)</span>
                </label>
              </div>
            </fieldset>

            <fieldset>
              <legend>Routing and scope</legend>
              {LIST_FIELDS.map((f) => (
                <label key={f.key} className="field">
                  <span>{f.label}</span>
                  <input
                    value={form[f.key] as string}
                    placeholder={f.placeholder}
                    onChange={(e) => set(f.key, e.target.value as never)}
                    aria-invalid={Boolean(grouped.fields[f.key]?.length)}
                    aria-describedby={describedBy(f.key)}
                  />
                  {errorsFor(f.key)}
                </label>
              ))}
            </fieldset>

            <fieldset>
              <legend>Budget</legend>
              <div className="form-grid">
                {(
                  [
                    ["budget.usd", "Dollars", "5"],
                    ["budget.tokens", "Tokens", "2M"],
                    ["budget.wall", "Wall time", "4h"],
                  ] as const
                ).map(([key, label, ph]) => (
                  <label key={key} className="field">
                    <span>{label}</span>
                    <input value={form[key]} placeholder={ph} onChange={(e) => set(key, e.target.value)} aria-describedby={describedBy(key)} />
                    {errorsFor(key)}
                  </label>
                ))}
              </div>
            </fieldset>

            <fieldset>
              <legend>Retry and review</legend>
              <div className="form-grid">
                <label className="field">
                  <span>Retries (max)</span>
                  <input value={form["retry.max"]} placeholder="2" onChange={(e) => set("retry.max", e.target.value)} aria-describedby={describedBy("retry.max")} />
                  {errorsFor("retry.max")}
                </label>
                <label className="field">
                  <span>Backoff</span>
                  <input value={form["retry.backoff"]} placeholder="5m" onChange={(e) => set("retry.backoff", e.target.value)} aria-describedby={describedBy("retry.backoff")} />
                  {errorsFor("retry.backoff")}
                </label>
                <label className="field">
                  <span>Review policy</span>
                  <select value={form["review-policy"]} onChange={(e) => set("review-policy", e.target.value)}>
                    <option value="">(profile default)</option>
                    <option value="auto">auto: ship on green verify</option>
                    <option value="manual">manual: a person ships</option>
                    <option value="reviewers">named reviewers</option>
                  </select>
                  {errorsFor("review-policy")}
                </label>
                {form["review-policy"] === "reviewers" && (
                  <label className="field">
                    <span>Reviewers</span>
                    <input value={form.reviewers} placeholder="@alice, @bob" onChange={(e) => set("reviewers", e.target.value)} />
                    {errorsFor("reviewers")}
                  </label>
                )}
              </div>
              <div role="group" aria-label="retry on" className="row">
                <span className="muted">Retry on:</span>
                {RETRY_ON.map((r) => (
                  <label key={r} className="row" style={{ gap: 4 }}>
                    <input
                      type="checkbox"
                      checked={form["retry.on"].includes(r)}
                      onChange={(e) => set("retry.on", e.target.checked ? [...form["retry.on"], r] : form["retry.on"].filter((x) => x !== r))}
                    />
                    {r}
                  </label>
                ))}
              </div>
              {errorsFor("retry.on")}
            </fieldset>
          </div>

          <div>
            <section className="panel">
              <label className="field">
                <span>Profile</span>
                <select value={form.profile} onChange={(e) => set("profile", e.target.value)} aria-label="profile">
                  <option value="">(none)</option>
                  {profiles.map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.name}
                    </option>
                  ))}
                </select>
                {errorsFor("profile")}
              </label>
              {selectedProfile && (
                <div data-testid="profile-fills">
                  <h3>{selectedProfile.name} fills in</h3>
                  <pre className="mono">{stringify(profileDefaults(selectedProfile), { lineWidth: 0 })}</pre>
                </div>
              )}
            </section>
            <section className="panel" style={{ marginTop: 12 }}>
              <h3>Job file</h3>
              <pre className="mono" data-testid="job-file-preview">
                {text}
              </pre>
            </section>
          </div>
        </div>
      )}

      {grouped.form.length > 0 && (
        <ul role="alert" aria-label="problems" className="field-error">
          {grouped.form.map((m, i) => (
            <li key={i}>{m}</li>
          ))}
        </ul>
      )}
      {mode === "paste" && !result.ok && touched && (
        <ul role="alert" aria-label="problems in the job file" className="field-error">
          {problems
            .filter((p) => !grouped.form.includes(`${p.path}: ${p.message}`))
            .map((p, i) => (
              <li key={i}>
                {p.path}: {p.message}
              </li>
            ))}
        </ul>
      )}
      {serverMessage && (
        <div role="alert" className="field-error">
          The coordinator refused the job: {serverMessage}
          <ul>
            {serverErrors.map((p, i) => (
              <li key={i}>
                {p.path}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="row" style={{ marginTop: 12 }}>
        <button type="submit" className="primary" disabled={submitting || !result.ok}>
          {submitting ? "Submitting…" : "Submit job"}
        </button>
        <span className="muted" aria-live="polite">
          {result.ok ? `valid: “${result.spec.title}”` : `${problems.length} problem(s)`}
        </span>
      </div>
    </form>
  );
}

/** The fields a profile sets for a job that leaves them unset (its text and bookkeeping left out). */
function profileDefaults(p: ProfileSummary): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const source = (typeof p.profile === "object" && p.profile !== null ? p.profile : p) as Record<string, unknown>;
  for (const [k, v] of Object.entries(source)) {
    if (["name", "text", "version", "persona", "savedAt", "productId", "body"].includes(k)) continue;
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  if (typeof source.persona === "string") out.persona = source.persona.length > 200 ? `${source.persona.slice(0, 200)}…` : source.persona;
  return out;
}
