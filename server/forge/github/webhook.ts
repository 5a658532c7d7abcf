import "server-only";
import { verify } from "@octokit/webhooks-methods";
import { z } from "zod";

/**
 * A GitHub webhook delivery, verified (X-Hub-Signature-256 over the raw body with the webhook
 * secret, @octokit/webhooks-methods) before anything of it is read, then parsed as hostile input:
 * each event we act on has a zod schema of only the fields we use, bounded, and a problem names
 * the field (`body.check_suite.pull_requests.0.number: …`). The route (app/api/fleet/webhooks/github)
 * answers 401 for `bad_signature`, 400 for `bad_delivery`, and de-duplicates on `deliveryId`
 * (X-GitHub-Delivery).
 *
 * Every event we act on names pull requests: the coordinator reads each one again from GitHub
 * (refreshPullRequest), so a delivery is a doorbell and GitHub's API stays the truth (an event's
 * own fields may be stale by the time it arrives, or arrive out of order).
 */
export type WebhookRefusal = "bad_signature" | "bad_delivery";
export class WebhookError extends Error {
  constructor(
    readonly reason: WebhookRefusal,
    message: string,
    /** the field at fault, for the problem's `errors` (`body.pull_request.number`, `(header)`) */
    readonly path: string = "(body)",
  ) {
    super(message);
  }
}

/** The events that name pull requests whose state may have changed. */
export const PULL_REQUEST_EVENTS = ["pull_request", "check_suite", "check_run", "pull_request_review"] as const;
export type PullRequestEventName = (typeof PULL_REQUEST_EVENTS)[number];

export type ForgeEvent =
  | { kind: "ping" }
  | {
      kind: "pull_requests";
      event: PullRequestEventName;
      action: string;
      owner: string;
      repo: string;
      /** the pull requests the event names (a check suite may name several, or none: a fork's) */
      numbers: number[];
      /** the head commit the event is about, when it says */
      headSha?: string;
    }
  // Tracker intake (issues labelled agent:run) adds `{ kind: "issue" … }` here, parsed by an
  // `issues` entry in PARSERS below; until then `issues` is one of the ignored events.
  | { kind: "ignored"; event: string; action?: string };

/** The most pull requests one event may name (GitHub lists at most a handful per check suite). */
const MAX_NUMBERS = 100;

const owner = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "a GitHub owner login");
const repository = z.object({ name: z.string().regex(/^[\w.-]{1,100}$/, "a repository name"), owner: z.object({ login: owner }) });
const number = z.number().int().positive().max(2 ** 31);
const sha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-hex commit SHA");
const prRefs = z.array(z.object({ number })).max(MAX_NUMBERS);

const pullRequest = z.object({ action: z.string().max(60), pull_request: z.object({ number, head: z.object({ sha }) }), repository });
const checkSuite = z.object({ action: z.string().max(60), check_suite: z.object({ head_sha: sha, pull_requests: prRefs }), repository });
const checkRun = z.object({ action: z.string().max(60), check_run: z.object({ head_sha: sha, pull_requests: prRefs }), repository });
const review = z.object({ action: z.string().max(60), pull_request: z.object({ number, head: z.object({ sha }) }), repository });

type Parsed = { owner: string; repo: string; numbers: number[]; headSha?: string };
interface Parser {
  /** the actions that may change what the coordinator records; others are ignored */
  actions: readonly string[];
  parse(payload: unknown): Parsed;
}

const PARSERS: Record<PullRequestEventName, Parser> = {
  pull_request: {
    // synchronize: the head moved (a push); edited: the base may have changed; closed: merged or closed
    actions: ["opened", "synchronize", "closed", "reopened", "ready_for_review", "converted_to_draft", "edited"],
    parse: (p) => {
      const d = check(pullRequest, p);
      return { ...repoOf(d.repository), numbers: [d.pull_request.number], headSha: d.pull_request.head.sha };
    },
  },
  check_suite: {
    actions: ["completed"],
    parse: (p) => {
      const d = check(checkSuite, p);
      return { ...repoOf(d.repository), numbers: unique(d.check_suite.pull_requests), headSha: d.check_suite.head_sha };
    },
  },
  check_run: {
    actions: ["completed"],
    parse: (p) => {
      const d = check(checkRun, p);
      return { ...repoOf(d.repository), numbers: unique(d.check_run.pull_requests), headSha: d.check_run.head_sha };
    },
  },
  pull_request_review: {
    // dismissed: a "changes requested" that no longer stands
    actions: ["submitted", "dismissed"],
    parse: (p) => {
      const d = check(review, p);
      return { ...repoOf(d.repository), numbers: [d.pull_request.number], headSha: d.pull_request.head.sha };
    },
  },
};

const isPullRequestEvent = (name: string): name is PullRequestEventName => (PULL_REQUEST_EVENTS as readonly string[]).includes(name);

export async function readDelivery(secret: string, rawBody: string, headers: Headers): Promise<{ deliveryId: string; name: string; event: ForgeEvent }> {
  const signature = headers.get("x-hub-signature-256") ?? "";
  if (!secret || !signature || !(await verify(secret, rawBody, signature).catch(() => false))) {
    throw new WebhookError("bad_signature", "X-Hub-Signature-256 is missing or does not match the body", "(header)");
  }
  const deliveryId = headers.get("x-github-delivery") ?? "";
  const name = headers.get("x-github-event") ?? "";
  if (!/^[\w-]{1,100}$/.test(deliveryId)) throw new WebhookError("bad_delivery", "X-GitHub-Delivery: expected a delivery id", "(header)");
  if (!/^[a-z_]{1,60}$/.test(name)) throw new WebhookError("bad_delivery", "X-GitHub-Event: expected an event name", "(header)");
  const payload = payloadOf(rawBody, headers.get("content-type") ?? "");
  if (name === "ping") return { deliveryId, name, event: { kind: "ping" } };
  const action = typeof (payload as { action?: unknown } | null)?.action === "string" ? (payload as { action: string }).action.slice(0, 60) : undefined;
  if (!isPullRequestEvent(name)) return { deliveryId, name, event: { kind: "ignored", event: name, action } };
  const parser = PARSERS[name];
  if (action === undefined || !parser.actions.includes(action)) return { deliveryId, name, event: { kind: "ignored", event: name, action } };
  return { deliveryId, name, event: { kind: "pull_requests", event: name, action, ...parser.parse(payload) } };
}

/**
 * The JSON payload: the body itself (content type application/json, the default), or the
 * `payload` field of a form body (a webhook configured as application/x-www-form-urlencoded).
 * The signature covers the raw body either way, so this runs only after it was checked.
 */
function payloadOf(rawBody: string, contentType: string): unknown {
  let text = rawBody;
  if (contentType.split(";")[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded") {
    const field = new URLSearchParams(rawBody).get("payload");
    if (field === null) throw new WebhookError("bad_delivery", "body.payload: expected the event as a form field `payload`", "body.payload");
    text = field;
  }
  // No depth check needed: JSON.parse does not recurse on the stack, and the schemas below walk
  // only the fields they declare (a deep value under any other key is never visited).
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WebhookError("bad_delivery", "body: expected JSON");
  }
}

function check<T>(schema: z.ZodType<T>, payload: unknown): T {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = ["body", ...issue.path.map(String)].join(".");
  throw new WebhookError("bad_delivery", `${path}: ${issue.message}`, path);
}

const repoOf = (r: z.infer<typeof repository>) => ({ owner: r.owner.login, repo: r.name });
const unique = (refs: { number: number }[]) => [...new Set(refs.map((r) => r.number))];
