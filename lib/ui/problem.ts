/**
 * An API refusal as the UI shows it. Every `/api/fleet` error is application/problem+json
 * (lib/api/problem.ts): `detail` says what went wrong, `errors[].message` says it per field, and a
 * policy refusal adds its own facts (`files` for scope_violation, `breaches` for budget_exceeded,
 * `missing` for approval_required). Read defensively: a proxy may answer with HTML or nothing.
 */
export interface ProblemView {
  status: number;
  code?: string;
  /** a forge's precise refusal (`checks_failing`, `conflict`…), beside the code (`conflict`) */
  reason?: string;
  /** one line: the detail, else the title, else the HTTP status */
  summary: string;
  /** every `errors[].message` (with its path when it adds anything), none dropped */
  messages: string[];
  files: string[];
  breaches: string[];
  missing: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export function toProblemView(status: number, body: unknown, fallback = `HTTP ${status}`): ProblemView {
  const b = isObj(body) ? body : {};
  const summary = (typeof b.detail === "string" && b.detail) || (typeof b.title === "string" && b.title) || fallback;
  const messages = (Array.isArray(b.errors) ? b.errors : [])
    .filter(isObj)
    .map((e) => {
      const message = typeof e.message === "string" ? e.message : "";
      const path = typeof e.path === "string" ? e.path : "";
      // "(body)" and the like name no field; a path already inside the message is not repeated.
      return path && !path.startsWith("(") && !message.includes(path) ? `${path}: ${message}` : message;
    })
    .filter((m) => m !== "");
  return {
    status,
    ...(typeof b.code === "string" ? { code: b.code } : {}),
    ...(typeof b.reason === "string" && b.reason ? { reason: b.reason } : {}),
    summary,
    messages,
    files: strings(b.files),
    breaches: strings(b.breaches),
    missing: strings(b.missing),
  };
}

/** The whole problem on one line, for places with room for a sentence only (bulk results, banners). */
export function problemText(p: ProblemView): string {
  const extra = p.messages.filter((m) => !p.summary.includes(m));
  return extra.length ? `${p.summary} (${extra.join("; ")})` : p.summary;
}
