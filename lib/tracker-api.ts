import { z } from "zod";

/** What the tracker intake did with one item (webhook, POST /tracker/import, `fleet from-tracker`). */
export const trackerImportOutcome = z.object({
  outcome: z.enum(["created", "existing", "invalid", "ignored"]),
  jobId: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  reason: z.string().optional(),
});
export type TrackerImportOutcome = z.infer<typeof trackerImportOutcome>;

/** A tracker event (issues, issue_comment) the webhook took. */
export const webhookTrackerTaken = z.object({ delivery: z.string(), event: z.string(), tracker: trackerImportOutcome });

export const trackerImportRequest = z.object({ item: z.string().min(1).max(200) });
