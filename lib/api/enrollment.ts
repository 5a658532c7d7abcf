import { z } from "zod";
import { parseDuration } from "../duration";

/**
 * Enrollment tokens made on the Admin page, `POST /enrollment-tokens` or `fleet enrollment-tokens
 * create`: a name, an optional lifetime (`expiresIn`, a duration like 7d… 4h) and an optional number
 * of registrations (`maxUses`). The token itself is in the create answer only.
 */
export const createEnrollmentTokenRequest = z.strictObject({
  name: z.string().trim().min(1, "name the token (what or who it enrols)").max(100),
  expiresIn: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      const d = parseDuration(v);
      if (!d.ok) ctx.addIssue({ code: "custom", message: d.message });
    })
    .transform((v) => (v === undefined ? undefined : (parseDuration(v) as { ok: true; ms: number }).ms)),
  maxUses: z.number().int("a whole number of registrations").min(1).max(100_000).optional(),
});
export type CreateEnrollmentTokenRequest = z.output<typeof createEnrollmentTokenRequest>;

export const ENROLLMENT_TOKEN_STATES = ["active", "expired", "used_up", "revoked"] as const;

export const enrollmentTokenView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().optional(),
  maxUses: z.number().int().optional(),
  uses: z.number().int(),
  revokedAt: z.string().optional(),
  /** whether it registers a factory now, or why not */
  state: z.enum(ENROLLMENT_TOKEN_STATES),
});
export type EnrollmentTokenView = z.infer<typeof enrollmentTokenView>;
/** The token itself is shown once, at creation. */
export const createdEnrollmentToken = enrollmentTokenView.extend({ token: z.string() });
export const enrollmentTokenList = z.object({ items: z.array(enrollmentTokenView) });
