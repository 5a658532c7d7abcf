import { z } from "zod";
import { ACTIONS } from "../stages";
import { STAGES } from "../types";

/** `POST /jobs` as JSON: the manifest object (job-file keys) and the prompt body. */
export const submitJobJson = z.object({
  manifest: z.record(z.string(), z.unknown()),
  /** the prompt; its first `# ` heading is the title */
  body: z.string().max(1_048_576),
});
export type SubmitJobJson = z.infer<typeof submitJobJson>;

/**
 * The stage machine's actions (lib/stages.ts) and `request_changes`, which moves nothing: it queues a
 * follow-up job on the job's branch with `reason` (required) as the feedback (the review loop).
 */
export const JOB_ACTIONS = [...ACTIONS, "request_changes"] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export const jobActionRequest = z
  .object({
    action: z.enum(JOB_ACTIONS),
    reason: z.string().max(1_000).optional(),
    /** ship (or the last approve) past a failed gate (scope, missing approvals): admin only, with a reason */
    override: z.boolean().optional(),
    /** resume with a raised budget: the fields given replace the job's ceilings */
    budget: z
      .object({ usd: z.number().min(0).optional(), tokens: z.number().int().min(0).optional(), wall: z.number().int().min(0).optional() })
      .strict()
      .optional(),
  })
  .superRefine((r, ctx) => {
    if (r.action === "request_changes" && !r.reason?.trim()) {
      ctx.addIssue({ code: "custom", path: ["reason"], message: "request_changes needs a reason: the changes to make (the follow-up job's prompt)" });
    }
  });
export type JobActionRequest = z.infer<typeof jobActionRequest>;

/**
 * Orders of `GET /jobs` (`sort`, with `order=asc|desc`; default createdAt desc, newest first). Ties
 * break on createdAt then id, in the same direction. `priority` desc is most urgent first (critical);
 * `stage` orders by the stage's name, which groups the rows of one stage; `title` ignores case.
 */
export const JOB_SORT_KEYS = ["createdAt", "updatedAt", "priority", "stage", "title"] as const;
export type JobSortKey = (typeof JOB_SORT_KEYS)[number];
export const SORT_ORDERS = ["asc", "desc"] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** `GET /jobs` query; `stage` may list several stages separated by commas. */
/** `GET /jobs?tracker=`: a tracker kind, any tracker, or none. */
export const JOB_TRACKER_FILTERS = ["github", "linear", "any", "none"] as const;
export type JobTrackerFilter = (typeof JOB_TRACKER_FILTERS)[number];

export const listJobsQuery = z.object({
  stage: z
    .string()
    .max(200)
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      const stages = s.split(",").map((x) => x.trim());
      for (const st of stages) {
        if (!(STAGES as readonly string[]).includes(st)) {
          ctx.addIssue({ code: "custom", message: `unknown stage "${st}"; expected ${STAGES.join(", ")}` });
          return z.NEVER;
        }
      }
      return stages as (typeof STAGES)[number][];
    }),
  product: z.string().max(64).optional(),
  profile: z.string().max(128).optional(),
  factory: z.string().max(128).optional(),
  q: z.string().max(200).optional(),
  /** jobs from GitHub or Linear items, from any tracker, or from none (the manifest's tracker-item) */
  tracker: z.enum(JOB_TRACKER_FILTERS, { error: `tracker must be one of ${JOB_TRACKER_FILTERS.join(", ")}` }).optional(),
  /** a case-insensitive part of the tracker item id (`shop#12`, `ENG-4`) */
  item: z.string().max(160).optional(),
  /** a cursor belongs to one sort and order: another is refused (400) */
  cursor: z.string().max(1_000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  sort: z.enum(JOB_SORT_KEYS, { error: `sort must be one of ${JOB_SORT_KEYS.join(", ")}` }).default("createdAt"),
  order: z.enum(SORT_ORDERS, { error: "order must be asc or desc" }).default("desc"),
});
export type ListJobsQuery = z.infer<typeof listJobsQuery>;

export const dagQuery = z.object({ product: z.string().max(64).optional() });

/**
 * `GET /jobs/{id}/logs?since=POS`: the log chunks after position POS (0, the default, is the start).
 * A position is a chunk's `pos`, the `<pos>` half of the job stream's `<seq>.<pos>` event ids. Digits
 * only: `1e3`, `0x10`, ` 7` or `-1` are refused rather than read as some other number.
 */
export const jobLogQuery = z.object({
  since: z
    .string()
    .regex(/^\d{1,16}$/, "since must be a log position: a whole number of at most 16 digits, 0 or more")
    .transform(Number)
    .refine(Number.isSafeInteger, "since is larger than the largest log position")
    .default(0),
});
export type JobLogQuery = z.infer<typeof jobLogQuery>;

const cost = z.object({ usd: z.number(), tokensIn: z.number(), tokensOut: z.number(), wallMs: z.number() });
const leaseView = z.object({
  id: z.string(),
  epoch: z.number().int(),
  factoryId: z.string(),
  engine: z.string(),
  grantedAt: z.string(),
  expiresAt: z.string(),
  cancelled: z.boolean().optional(),
});

/** What an attempt ran with: the engine's version and the tool versions its factory advertised at claim time. */
export const runVersionsView = z.object({ engine: z.string().optional(), tools: z.record(z.string(), z.string()) });

/** A job as the API shows it (list items omit `attempts` and `body`). */
export const jobView = z.object({
  id: z.string(),
  productId: z.string(),
  title: z.string(),
  stage: z.enum(STAGES),
  priority: z.string(),
  manifest: z.record(z.string(), z.unknown()),
  body: z.string().optional(),
  profile: z.object({ name: z.string(), version: z.string() }).optional(),
  idempotencyKey: z.string().optional(),
  deps: z.array(z.string()),
  blockedReasons: z.array(z.string()),
  pendingReason: z.string().optional(),
  /** a queued job waiting longer than its priority's SLA target (GET /scheduling): by how much */
  overdue: z.object({ byMs: z.number(), slaMs: z.number() }).optional(),
  /** issue 18: changed files a protected-path glob caught (GET /protected-paths); shipping them needs a person */
  protectedPaths: z.array(z.object({ file: z.string(), glob: z.string() })).optional(),
  decision: z.unknown().optional(),
  attempts: z.number().int(),
  epoch: z.number().int(),
  lease: leaseView.optional(),
  cost,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** GET /jobs/{id}: one per attempt (server/store RunRecord, times as ISO), each with the versions it ran with */
  runs: z.array(z.looseObject({ versions: runVersionsView.optional() })).optional(),
  /** where the job's commits went (issue 15): branch, head, merge SHA, and what Ship will do */
  delivery: z
    .object({
      mode: z.enum(["pr", "branch", "merge"]),
      branch: z.string(),
      baseBranch: z.string().optional(),
      headSha: z.string().optional(),
      lastPushed: z.string().optional(),
      factoryId: z.string().optional(),
      pushedAt: z.string().optional(),
      pushError: z.object({ reason: z.string(), message: z.string() }).optional(),
      mergeSha: z.string().optional(),
      shipError: z.object({ reason: z.string(), message: z.string() }).optional(),
      task: z.object({ kind: z.enum(["push", "merge"]), jobId: z.string() }).optional(),
      /** the pull request on the forge (server/store/records PullRequestRecord, refreshedAt as ISO) */
      pr: z
        .object({
          forge: z.literal("github"),
          owner: z.string(),
          repo: z.string(),
          number: z.number().int(),
          url: z.string(),
          state: z.enum(["open", "closed", "merged"]),
          draft: z.boolean(),
          headSha: z.string(),
          mergeable: z.boolean().nullable(),
          mergeableState: z.string(),
          checks: z.enum(["none", "pending", "passing", "failing"]),
          review: z.enum(["none", "approved", "changes_requested"]),
          mergeSha: z.string().optional(),
          error: z.object({ reason: z.string(), message: z.string() }).optional(),
          refreshedAt: z.string(),
        })
        .optional(),
      followUps: z.array(z.string()).optional(),
      /** what the Ship button does, in words ("Merge fleet/j-1-x into main (fast-forward or merge commit)") */
      shipLabel: z.string(),
    })
    .optional(),
  /** a delivery task job: the job whose branch it pushes or merges */
  task: z.object({ kind: z.enum(["push", "merge"]), of: z.string() }).optional(),
  /** the tracker item the job came from (issue 16): its id and, where known, its page */
  tracker: z.object({ item: z.string(), url: z.string().optional() }).optional(),
  /** a follow-up job of the review loop: the job whose branch it continues, and why */
  followUpOf: z.object({ of: z.string(), reason: z.enum(["checks_failed", "changes_requested"]), round: z.number().int() }).optional(),
  /** GET /jobs/{id} of a waiting job: why it waits (the scheduler's explainPending, computed on read) */
  pending: z
    .object({
      sentence: z.string(),
      blocked: z.boolean(),
      jobReasons: z.array(z.object({ code: z.string(), detail: z.string() })),
      factories: z.array(z.object({ factoryId: z.string(), name: z.string(), reasons: z.array(z.object({ code: z.string(), detail: z.string() })) })),
      counts: z.record(z.string(), z.number()),
      placeableOn: z.object({ factoryId: z.string(), factoryName: z.string(), engine: z.string() }).optional(),
      lastRound: z.object({ reason: z.string(), at: z.string() }).optional(),
    })
    .optional(),
});
export type JobView = z.infer<typeof jobView>;

export const jobPage = z.object({ items: z.array(jobView), nextCursor: z.string().optional() });
export const submitDeduplicated = z.object({ job: jobView, deduplicated: z.literal(true) });

export const eventView = z.object({
  seq: z.number().int(),
  type: z.string(),
  at: z.string(),
  data: z.unknown(),
  leaseId: z.string().optional(),
});
export type EventView = z.infer<typeof eventView>;
export const eventList = z.object({ items: z.array(eventView) });

export const dagView = z.object({
  nodes: z.array(z.object({ id: z.string(), title: z.string(), stage: z.enum(STAGES) })),
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
});
