/**
 * zod schemas built from the value checks of ./values: the check's message becomes the issue at the
 * field's own path, and list items get their index (`capabilities[2]`).
 */
import { z } from "zod";
import { expected, type Check } from "./values";

/** A zod schema from a value check: the check's message becomes the issue at this field's path. */
export function field<T>(check: (v: unknown) => Check<T>) {
  return z.unknown().transform((v, ctx): T => {
    const r = check(v);
    if (r.ok) return r.value;
    ctx.addIssue({ code: "custom", message: r.message, input: undefined });
    return z.NEVER;
  });
}

export const MAX_LIST = 200;

/**
 * A list of checked items (a single value counts as a list of one). `unique: "dedupe"` drops repeats
 * (set-like fields), `"refuse"` reports them, `empty: false` refuses an empty list.
 */
export function list<T>(
  check: (v: unknown) => Check<T>,
  what: string,
  opts: { unique?: "dedupe" | "refuse"; empty?: string } = {},
) {
  return z.unknown().transform((v, ctx): T[] => {
    const items = typeof v === "string" ? [v] : v;
    if (!Array.isArray(items)) {
      ctx.addIssue({ code: "custom", message: expected(`a list of ${what}`, v), input: undefined });
      return z.NEVER;
    }
    if (items.length > MAX_LIST) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_LIST} entries, got ${items.length}`, input: undefined });
      return z.NEVER;
    }
    if (items.length === 0 && opts.empty) {
      ctx.addIssue({ code: "custom", message: opts.empty, input: undefined });
      return z.NEVER;
    }
    const out: T[] = [];
    const seen = new Map<string, number>();
    let failed = false;
    items.forEach((item, i) => {
      const at = typeof v === "string" ? [] : [i];
      const r = check(item);
      if (!r.ok) {
        failed = true;
        const several = typeof v === "string" && /,\s*\S/.test(v) ? "; to give several, write a list: [a, b]" : "";
        ctx.addIssue({ code: "custom", message: r.message + several, path: at, input: undefined });
        return;
      }
      const key = JSON.stringify(r.value);
      const first = seen.get(key);
      if (first !== undefined) {
        if (opts.unique === "refuse") {
          failed = true;
          ctx.addIssue({ code: "custom", message: `listed twice (also at [${first}])`, path: at, input: undefined });
        }
        if (opts.unique) return;
      }
      seen.set(key, i);
      out.push(r.value);
    });
    return failed ? z.NEVER : out;
  });
}

