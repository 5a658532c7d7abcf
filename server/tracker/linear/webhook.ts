import "server-only";
import { LinearWebhookClient } from "@linear/sdk/webhooks";
import { z } from "zod";
import { isIntakeLabel, type RepoMap } from "./config";
import { linearItemId, parseIdentifier } from "./item-id";
import { TrackerError, type TrackerDelivery, type TrackerItem } from "../port";

/**
 * A Linear webhook delivery: verified before anything of it is read, then parsed as hostile input.
 *
 * Verification is the SDK's own helper (`LinearWebhookClient.verify` of @linear/sdk/webhooks): the
 * `Linear-Signature` header is the HMAC-SHA256 hex of the raw body with the webhook's secret,
 * compared in constant time, and the signed body's `webhookTimestamp` must be within a minute of
 * now, so a captured delivery cannot be replayed later (one replayed inside the minute is caught by
 * its delivery id: the route records `Linear-Delivery` first writer wins). The helper throws one
 * Error for all of these; we tell them apart by its message (the SDK version is pinned exactly in
 * package.json, and the webhook tests fail if the messages change): a wrong signature is
 * `bad_signature`, a missing or old timestamp `stale`, a signed body that is not JSON `not_json`.
 *
 * Only the fields we use are parsed, bounded; a problem names the field (`body.data.identifier: …`).
 */
export type SignatureCheck = { ok: true } | { ok: false; reason: "bad_signature" | "stale" | "not_json"; message: string; path: string };

/** Linear's replay window: the SDK refuses a webhookTimestamp more than this far from now. */
export const LINEAR_REPLAY_WINDOW_MS = 60_000;

export function verifyLinearSignature(secret: string, raw: Buffer, headers: Headers): SignatureCheck {
  const signature = headers.get("linear-signature") ?? "";
  if (!secret || !/^[0-9a-f]{64}$/i.test(signature)) return { ok: false, reason: "bad_signature", message: "Linear-Signature is missing or is not an HMAC-SHA256 hex", path: "(header)" };
  try {
    new LinearWebhookClient(secret).verify(raw, signature.toLowerCase());
    return { ok: true };
  } catch (err) {
    // verify() checks the HMAC first and parses the body only after it matched
    if (err instanceof SyntaxError) return { ok: false, reason: "not_json", message: "body: expected JSON", path: "(body)" };
    if (err instanceof Error && /timestamp/i.test(err.message)) {
      return { ok: false, reason: "stale", message: `body.webhookTimestamp: missing, or more than ${LINEAR_REPLAY_WINDOW_MS / 1000} s from now (a replayed or delayed delivery)`, path: "body.webhookTimestamp" };
    }
    return { ok: false, reason: "bad_signature", message: "Linear-Signature does not match the body (it must be signed with LINEAR_WEBHOOK_SECRET)", path: "(header)" };
  }
}

const MAX_TEXT = 65_536;
const identifier = z
  .string()
  .max(20)
  .refine((s) => parseIdentifier(s) !== undefined, "an issue identifier like ENG-42");
const label = z.object({ id: z.string().max(100), name: z.string().max(200) });
const issueData = z.object({
  identifier,
  title: z.string().max(1000),
  description: z.string().max(MAX_TEXT).nullable().optional(),
  url: z.string().max(500),
  labels: z.array(label).max(500),
  state: z.object({ type: z.string().max(40) }).optional(),
  creatorId: z.string().max(100).nullable().optional(),
  updatedAt: z.string().max(40),
});
const updatedFrom = z
  .object({
    labelIds: z.array(z.string().max(100)).max(500).optional(),
    stateId: z.string().max(100).nullable().optional(),
    title: z.string().max(1000).nullable().optional(),
    description: z.string().max(MAX_TEXT).nullable().optional(),
  })
  .nullable()
  .optional();
const actor = z.object({ id: z.string().max(100) }).nullable().optional();
const issueEvent = z.object({ action: z.string().max(40), type: z.literal("Issue"), data: issueData, updatedFrom, actor });
const commentEvent = z.object({
  action: z.string().max(40),
  type: z.literal("Comment"),
  data: z.object({
    id: z.string().max(100),
    body: z.string().max(MAX_TEXT),
    userId: z.string().max(100).nullable().optional(),
    issue: z.object({ identifier, title: z.string().max(1000), url: z.string().max(500) }),
  }),
  actor,
});

export interface ParseOptions {
  /** the intake label (`<label>:<profile>` counts too) */
  label: string;
  repos: RepoMap;
}

/**
 * The delivery in the port's words: an Issue created with, or updated to carry, the intake label
 * is `labeled`; an issue whose title or description changed is `edited`; one moved to a completed
 * or canceled state is `closed`; a new comment on an issue is `comment`; everything else is
 * `ignored`. Call only after verifyLinearSignature said ok.
 */
/** `name`: the payload's type, lower case (`issue`), as the delivery record keeps it. */
export function parseLinearWebhook(raw: Buffer, headers: Headers, opts: ParseOptions): TrackerDelivery & { name: string } {
  const deliveryId = headers.get("linear-delivery") ?? "";
  if (!/^[\w-]{1,100}$/.test(deliveryId)) throw new TrackerError("invalid", "Linear-Delivery: expected a delivery id", 400, "(header)");
  let payload: unknown;
  try {
    payload = JSON.parse(raw.toString("utf8")) as unknown;
  } catch {
    throw new TrackerError("invalid", "body: expected JSON", 400, "(body)");
  }
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) throw new TrackerError("invalid", "body: expected a JSON object", 400, "(body)");
  const p = payload as { type?: unknown; action?: unknown };
  if (typeof p.type !== "string" || !/^[A-Za-z]{1,60}$/.test(p.type)) throw new TrackerError("invalid", "body.type: expected the entity type, like Issue", 400, "body.type");
  const action = typeof p.action === "string" ? p.action.slice(0, 40) : undefined;
  const name = p.type.toLowerCase();
  const ignored = (): TrackerDelivery & { name: string } => ({ deliveryId, name, event: { kind: "ignored", event: p.type as string, ...(action !== undefined ? { action } : {}) } });

  if (p.type === "Issue" && (action === "create" || action === "update")) {
    const d = check(issueEvent, payload);
    const item = itemOf(d.data, opts.repos);
    const who = d.actor?.id ? { actor: d.actor.id } : {};
    const intake = d.data.labels.filter((l) => isIntakeLabel(l.name, opts.label));
    // create: any intake label it carries; update: one added by this change (updatedFrom.labelIds is what it had)
    const before = d.updatedFrom?.labelIds;
    const added = action === "create" ? intake : before ? intake.filter((l) => !before.includes(l.id)) : [];
    if (added.length) return { deliveryId, name, ...who, event: { kind: "labeled", item, label: added[0]!.name } };
    if (action === "update" && d.updatedFrom?.stateId !== undefined && item.state === "closed") return { deliveryId, name, ...who, event: { kind: "closed", item } };
    if (action === "update" && (d.updatedFrom?.title !== undefined || d.updatedFrom?.description !== undefined)) {
      // updatedFrom holds the previous values of what changed: the text the job (if any) was made of
      const previous = { ...(d.updatedFrom.title != null ? { title: d.updatedFrom.title } : {}), ...(d.updatedFrom.description !== undefined ? { body: d.updatedFrom.description ?? "" } : {}) };
      return { deliveryId, name, ...who, event: { kind: "edited", item, previous } };
    }
    return ignored();
  }
  if (p.type === "Comment" && action === "create") {
    const d = check(commentEvent, payload);
    const i = d.data.issue;
    const ref = parseIdentifier(i.identifier)!;
    const repo = opts.repos.get(ref.team);
    const item: TrackerItem = { id: linearItemId(i.identifier), url: i.url, title: i.title, body: "", labels: [], state: "open", updatedAt: "", ...(repo ? { repo } : {}) };
    const who = d.actor?.id ? { actor: d.actor.id } : d.data.userId ? { actor: d.data.userId } : {};
    return { deliveryId, name, ...who, event: { kind: "comment", item, commentId: d.data.id, body: d.data.body } };
  }
  return ignored();
}

function itemOf(d: z.infer<typeof issueData>, repos: RepoMap): TrackerItem {
  const ref = parseIdentifier(d.identifier)!;
  const repo = repos.get(ref.team);
  const closed = d.state?.type === "completed" || d.state?.type === "canceled";
  return {
    id: linearItemId(d.identifier),
    url: d.url,
    title: d.title,
    body: d.description ?? "",
    labels: d.labels.map((l) => l.name),
    state: closed ? "closed" : "open",
    ...(d.creatorId ? { author: d.creatorId } : {}),
    updatedAt: d.updatedAt,
    ...(repo ? { repo } : {}),
  };
}

function check<T>(schema: z.ZodType<T>, payload: unknown): T {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const path = ["body", ...issue.path.map(String)].join(".");
  throw new TrackerError("invalid", `${path}: ${issue.message}`, 400, path);
}
