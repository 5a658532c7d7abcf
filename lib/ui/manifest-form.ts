/**
 * The file-a-task form's model. The form keeps what the person typed (strings); `formToManifest`
 * assembles the job-file manifest from it — omitting empty fields so profile defaults still apply,
 * and keeping unparseable input as typed so the shared schema (lib/manifest) reports it with its own
 * message instead of the form guessing. `formToJobFile` renders the markdown job file the CLI would
 * accept, which is what validation runs on and what the "paste a job file" mode edits.
 */
import { stringify } from "yaml";

export interface ManifestForm {
  title: string;
  body: string;
  engine: string;
  "engine-class": string;
  profile: string;
  repo: string;
  cwd: string;
  yolo: boolean;
  lock: string;
  timeout: string;
  verify: string;
  capabilities: string;
  prefers: string;
  priority: string;
  "budget.usd": string;
  "budget.tokens": string;
  "budget.wall": string;
  deps: string;
  "idempotency-key": string;
  "retry.max": string;
  "retry.backoff": string;
  "retry.on": string[];
  "review-policy": string;
  reviewers: string;
  artifacts: string;
  "allowed-scope": string;
  "tracker-item": string;
  product: string;
}

export type FormField = keyof ManifestForm;

export const EMPTY_FORM: ManifestForm = {
  title: "",
  body: "",
  engine: "",
  "engine-class": "",
  profile: "",
  repo: "",
  cwd: "",
  yolo: false,
  lock: "",
  timeout: "",
  verify: "",
  capabilities: "",
  prefers: "",
  priority: "medium",
  "budget.usd": "",
  "budget.tokens": "",
  "budget.wall": "",
  deps: "",
  "idempotency-key": "",
  "retry.max": "",
  "retry.backoff": "",
  "retry.on": [],
  "review-policy": "",
  reviewers: "",
  artifacts: "",
  "allowed-scope": "",
  "tracker-item": "",
  product: "",
};

/** A list typed as commas or new lines. */
export function splitList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A number when the text is one; otherwise the text itself, so the schema names the problem. */
function numberOrText(text: string): number | string {
  const t = text.trim();
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

export function formToManifest(form: ManifestForm): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  const text = (key: FormField) => {
    const v = form[key];
    if (typeof v === "string" && v.trim() !== "") m[key] = v.trim();
  };
  const list = (key: FormField) => {
    const v = form[key];
    if (typeof v === "string" && splitList(v).length) m[key] = splitList(v);
  };
  for (const key of ["engine", "engine-class", "profile", "repo", "cwd", "lock", "timeout", "verify", "idempotency-key", "tracker-item", "product"] as const) text(key);
  if (form.yolo) m.yolo = true;
  for (const key of ["capabilities", "prefers", "deps", "artifacts", "allowed-scope"] as const) list(key);
  if (form.priority && form.priority !== "medium") m.priority = form.priority;

  const budget: Record<string, unknown> = {};
  if (form["budget.usd"].trim()) budget.usd = numberOrText(form["budget.usd"]);
  if (form["budget.tokens"].trim()) budget.tokens = numberOrText(form["budget.tokens"]);
  if (form["budget.wall"].trim()) budget.wall = form["budget.wall"].trim();
  if (Object.keys(budget).length) m.budget = budget;

  const retry: Record<string, unknown> = {};
  if (form["retry.max"].trim()) retry.max = numberOrText(form["retry.max"]);
  if (form["retry.backoff"].trim()) retry.backoff = form["retry.backoff"].trim();
  if (form["retry.on"].length) retry.on = [...form["retry.on"]];
  if (Object.keys(retry).length) m.retry = retry;

  if (form["review-policy"] === "reviewers") m["review-policy"] = { reviewers: splitList(form.reviewers) };
  else if (form["review-policy"]) m["review-policy"] = form["review-policy"];
  return m;
}

/** The body as it goes into the file: a `# title` heading first when a title was typed. */
export function formBody(form: ManifestForm): string {
  const title = form.title.trim();
  const body = form.body.replace(/^\s+/, "");
  if (!title || body.startsWith("# ")) return body;
  return body ? `# ${title}\n\n${body}` : `# ${title}\n`;
}

export function formToJobFile(form: ManifestForm): string {
  const manifest = formToManifest(form);
  const front = Object.keys(manifest).length ? stringify(manifest, { lineWidth: 0 }) : "";
  return `---\n${front}---\n\n${formBody(form)}`;
}

/**
 * Which form field an error path belongs to (`retry.on[1]` → `retry.on`, `review-policy.reviewers[0]`
 * → `reviewers`); undefined when the form has no such field (the error is then shown at the top).
 */
export function fieldOfPath(path: string): FormField | undefined {
  const clean = path.replace(/\[\d+\]/g, "").replace(/^manifest\./, "");
  if (clean.startsWith("review-policy.reviewers")) return "reviewers";
  if (clean in EMPTY_FORM) return clean as FormField;
  const top = clean.split(".")[0]!;
  if (top === "budget" || top === "retry") return undefined;
  if (top in EMPTY_FORM) return top as FormField;
  if (top === "body" || top === "(body)") return "body";
  return undefined;
}

/** Groups problems by form field; the rest go under `form`. */
export function problemsByField(problems: { path: string; message: string }[]): {
  fields: Partial<Record<FormField, string[]>>;
  form: string[];
} {
  const fields: Partial<Record<FormField, string[]>> = {};
  const form: string[] = [];
  for (const p of problems) {
    const field = fieldOfPath(p.path);
    if (field) (fields[field] ??= []).push(p.message);
    else form.push(p.path ? `${p.path}: ${p.message}` : p.message);
  }
  return { fields, form };
}
