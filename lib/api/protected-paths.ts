import { z } from "zod";
import { checkGlob } from "../manifest/values";

/**
 * Protected paths (issue 18 §4): repository globs a change may touch only with a person's approval.
 * `review-policy: auto` does not ship a job whose changed files match one; it stops in `review`
 * naming each file and the glob that caught it. Admin settings, hostile input: each glob is checked
 * by the manifest's own glob rule (relative, no `..`, bounded wildcards so picomatch's matching
 * stays cheap), counts and lengths are bounded, and every error names its field.
 */
export const MAX_PROTECTED_GLOBS = 50;
export const MAX_PROTECTED_PRODUCTS = 50;

const protectedGlob = z.string().max(256, "at most 256 characters").transform((v, c) => {
  const r = checkGlob(v);
  if (!r.ok) {
    c.addIssue({ code: "custom", message: r.message });
    return z.NEVER;
  }
  // A negation would make a protected list say "everything but": refused, so the list only adds.
  if (r.value.startsWith("!")) {
    c.addIssue({ code: "custom", message: `"${v}" is a negation: list only the paths to protect` });
    return z.NEVER;
  }
  return r.value;
});

const globList = z.array(protectedGlob).max(MAX_PROTECTED_GLOBS, `at most ${MAX_PROTECTED_GLOBS} globs`);
const productId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "a product id: letters, digits, '.', '_' or '-', at most 64");

/**
 * `PUT /protected-paths`: `globs` applies fleet-wide; `products` adds globs for one product's jobs
 * (a product's list adds to the fleet's, it never removes one). Each part given replaces its saved
 * part whole; a part left out is kept.
 */
export const protectedPathsRequest = z.strictObject({
  globs: globList.optional(),
  products: z
    .record(productId, globList)
    .refine((r) => Object.keys(r).length <= MAX_PROTECTED_PRODUCTS, `at most ${MAX_PROTECTED_PRODUCTS} products`)
    .optional(),
});
export type ProtectedPathsRequest = z.infer<typeof protectedPathsRequest>;

/** `GET`/`PUT /protected-paths`: the lists in force. */
export const protectedPathsView = z.object({
  globs: z.array(z.string()),
  products: z.record(z.string(), z.array(z.string())),
  updatedAt: z.string().optional(),
  by: z.string().optional(),
});
export type ProtectedPathsView = z.infer<typeof protectedPathsView>;

/** One changed file a protected glob caught (on the job as `protectedPaths`, and in `gate:protected`). */
export const protectedMatchView = z.object({ file: z.string(), glob: z.string() });
export type ProtectedMatch = z.infer<typeof protectedMatchView>;
