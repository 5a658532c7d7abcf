import { z } from "zod";

/**
 * RFC 9457 problem details as every /api/fleet route returns them (`application/problem+json`).
 * `code` is the machine-readable reason (`lease_lost`, `conflict`, `validation`…); `errors` names each
 * bad field by path, `(body)` for the body as a whole and `(query)`/`(header)` likewise.
 */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.string(),
  detail: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";
