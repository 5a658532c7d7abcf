import "server-only";
import { z } from "zod";
import { formatTrackerItem } from "@/lib/tracker-item";
import { TrackerError, type TrackerDelivery, type TrackerItem } from "../port";

/**
 * The `issues` and `issue_comment` deliveries of GitHub's webhook (issue 16 item 2), parsed as
 * hostile input once the signature was checked (the route checks it over the raw body first): a
 * zod schema of only the fields we read, bounded, and a problem names the field. Comments on pull
 * requests (an issue_comment whose issue has `pull_request`) are not tracker items: ignored.
 */
const MAX_BODY = 65_536;
const login = z.string().min(1).max(64);
const label = z.object({ name: z.string().max(100) });
const issue = z.object({
  number: z.number().int().positive().max(2 ** 31 - 1),
  html_url: z.string().max(500),
  title: z.string().max(1000),
  body: z.string().max(MAX_BODY).nullable().optional(),
  state: z.enum(["open", "closed"]),
  labels: z.array(label).max(100),
  user: z.object({ login }).nullable().optional(),
  updated_at: z.string().max(40),
  pull_request: z.unknown().optional(),
});
const repository = z.object({ name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "a repository name"), owner: z.object({ login: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/, "a GitHub owner login") }) });
const sender = z.object({ login, type: z.string().max(40).optional() }).optional();
const change = z.object({ from: z.string().max(MAX_BODY) }).optional();
const issuesEvent = z.object({ action: z.string().max(60), issue, label: label.optional(), changes: z.object({ title: change, body: change }).optional(), repository, sender });
const commentEvent = z.object({ action: z.string().max(60), issue, comment: z.object({ id: z.number().int().positive(), body: z.string().max(MAX_BODY) }), repository, sender });

export const TRACKER_EVENTS = ["issues", "issue_comment"] as const;

export function parseGithubIssueDelivery(rawBody: string, headers: Headers, webUrl: string): TrackerDelivery {
  const deliveryId = headers.get("x-github-delivery") ?? "";
  const name = headers.get("x-github-event") ?? "";
  if (!/^[\w-]{1,100}$/.test(deliveryId)) throw new TrackerError("invalid", "X-GitHub-Delivery: expected a delivery id", 400, "(header)");
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody) as unknown;
  } catch {
    throw new TrackerError("invalid", "body: expected JSON", 400, "(body)");
  }
  const action = typeof (payload as { action?: unknown } | null)?.action === "string" ? (payload as { action: string }).action.slice(0, 60) : undefined;
  const ignored = (): TrackerDelivery => ({ deliveryId, event: { kind: "ignored", event: name, ...(action !== undefined ? { action } : {}) } });
  if (name === "issues") {
    if (action !== "labeled" && action !== "edited" && action !== "closed") return ignored();
    const d = check(issuesEvent, payload);
    if (d.issue.pull_request !== undefined) return ignored();
    const item = itemOf(d.repository, d.issue, webUrl);
    const actor = d.sender?.login;
    if (action === "labeled") {
      if (!d.label) throw new TrackerError("invalid", "body.label: a labeled event names its label", 400, "body.label");
      return { deliveryId, ...(actor ? { actor } : {}), event: { kind: "labeled", item, label: d.label.name } };
    }
    if (action === "closed") return { deliveryId, ...(actor ? { actor } : {}), event: { kind: "closed", item } };
    const previous = { ...(d.changes?.title ? { title: d.changes.title.from } : {}), ...(d.changes?.body ? { body: d.changes.body.from } : {}) };
    return { deliveryId, ...(actor ? { actor } : {}), event: { kind: "edited", item, previous } };
  }
  if (name === "issue_comment") {
    if (action !== "created") return ignored();
    const d = check(commentEvent, payload);
    if (d.issue.pull_request !== undefined) return ignored();
    const actor = d.sender?.login;
    return { deliveryId, ...(actor ? { actor } : {}), event: { kind: "comment", item: itemOf(d.repository, d.issue, webUrl), commentId: String(d.comment.id), body: d.comment.body } };
  }
  return ignored();
}

function itemOf(r: z.infer<typeof repository>, i: z.infer<typeof issue>, webUrl: string): TrackerItem {
  return {
    id: formatTrackerItem({ tracker: "github", owner: r.owner.login, repo: r.name, number: i.number }),
    url: i.html_url,
    title: i.title,
    body: i.body ?? "",
    labels: i.labels.map((l) => l.name),
    state: i.state,
    ...(i.user?.login ? { author: i.user.login } : {}),
    updatedAt: i.updated_at,
    repo: `${webUrl}/${r.owner.login}/${r.name}.git`,
  };
}

function check<T>(schema: z.ZodType<T>, payload: unknown): T {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const first = r.error.issues[0]!;
  const path = ["body", ...first.path.map(String)].join(".");
  throw new TrackerError("invalid", `${path}: ${first.message}`, 400, path);
}
