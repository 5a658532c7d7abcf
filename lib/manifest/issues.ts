/**
 * zod issues → FieldProblem: one `{path, message}` per problem, the path written the way people
 * read it (`budget.usd`, `retry.on[1]`, `(file)` for the whole input), unknown nested keys expanded
 * with a did-you-mean, and nothing repeated. Problems under a path that holds a secret are dropped
 * (their message might quote the value); only the secret's own refusal is kept.
 */
import type { z } from "zod";
import { suggestion } from "../did-you-mean";
import type { FieldProblem } from "../types";
import { BUDGET_FIELDS, FIELD_ALIASES, RETRY_FIELDS } from "./schema";

export type PathSegment = PropertyKey;

export function formatPath(path: readonly PathSegment[], root = "(file)", prefix?: string): string {
  let out = prefix ?? "";
  for (const seg of path) {
    const name = String(seg) === "" ? '""' : String(seg);
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? name : `.${name}`;
  }
  return out === "" ? root : out;
}

const NESTED_FIELDS: Record<string, readonly string[]> = {
  budget: BUDGET_FIELDS,
  retry: RETRY_FIELDS,
  "review-policy": ["reviewers"],
};

function nestedSuggestion(parent: string, key: string): string {
  const known = NESTED_FIELDS[parent];
  if (!known) return "";
  return suggestion(key, known, FIELD_ALIASES) || `; ${parent} takes ${known.join(", ")}`;
}

export function toFieldProblems(issues: readonly z.core.$ZodIssue[], opts: { root?: string; prefix?: string } = {}): FieldProblem[] {
  const root = opts.root ?? "(file)";
  const secretPaths = issues.filter((i) => i.code === "custom" && i.params?.secret).map((i) => i.path);
  const underSecret = (path: readonly PathSegment[]) =>
    secretPaths.some((sp) => sp.length <= path.length && sp.every((seg, k) => seg === path[k]));

  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  const add = (path: readonly PathSegment[], message: string) => {
    const p = { path: formatPath(path, root, opts.prefix), message };
    const key = `${p.path}\u0000${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(p);
    }
  };

  for (const issue of issues) {
    const isSecret = issue.code === "custom" && Boolean(issue.params?.secret);
    if (!isSecret && underSecret(issue.path)) continue;
    if (issue.code === "unrecognized_keys") {
      const parent = String(issue.path[issue.path.length - 1] ?? "");
      for (const key of issue.keys) add([...issue.path, key], `unknown field \`${key}\`${nestedSuggestion(parent, key)}`);
      continue;
    }
    add(issue.path, issue.message);
  }
  return out;
}
