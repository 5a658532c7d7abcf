import "server-only";
import type { TrackerKind } from "@/lib/tracker-item";

/**
 * The tracker port (issue 16 item 1; DESIGN "anything that talks to a forge or tracker goes through
 * a port"): what the coordinator asks of GitHub Issues or Linear, in its own words, so no SDK type
 * reaches the coordinator. Item ids are the canonical ones of lib/tracker-item.ts
 * (`github:owner/repo#123`, `linear:ENG-42`). Credentials live in the adapter (built from the
 * coordinator's settings) and never appear in an item, an event or an error message.
 *
 * Every method may throw a TrackerError; `unavailable` and `rate_limited` are worth retrying (the
 * write-back outbox does), the others are not.
 */
export interface TrackerItem {
  /** canonical id */
  id: string;
  /** the item's page for people */
  url: string;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  /** the login / user id of whoever opened it */
  author?: string;
  updatedAt: string;
  /** the repository the work belongs to, when the tracker knows it (GitHub: the repository) */
  repo?: string;
}

/** Where write-back moves an item: in progress on start, done on ship; open again is a person's call. */
export type TrackerState = "started" | "done";

export interface ListLabelledResult {
  items: TrackerItem[];
  /** pass back as `since` next time (an ISO time or the adapter's own cursor) */
  cursor: string;
  /** true when the tracker answered "not modified" (a conditional request): nothing changed */
  notModified?: boolean;
}

/** What a verified webhook delivery says, in the port's words. */
export type TrackerEvent =
  | { kind: "labeled"; item: TrackerItem; label: string }
  /** `previous`: the text before the edit, when the tracker says (GitHub `changes.*.from`) */
  | { kind: "edited"; item: TrackerItem; previous?: { title?: string; body?: string } }
  | { kind: "closed"; item: TrackerItem }
  | { kind: "comment"; item: TrackerItem; commentId: string; body: string }
  | { kind: "ping" }
  | { kind: "ignored"; event: string; action?: string };

export interface TrackerDelivery {
  /** the tracker's delivery id: de-duplicated first writer wins */
  deliveryId: string;
  /** who caused the event (login / user id): events by our own bot are ignored (no loops) */
  actor?: string;
  event: TrackerEvent;
}

export interface TrackerPort {
  readonly kind: TrackerKind;
  /**
   * This tracker's intake label (`agent:run` unless configured, e.g. FLEET_LINEAR_LABEL):
   * `<label>` and `<label>:<profile>` make an item a job. Pass it to intakeLabel() and mapItem().
   */
  readonly label: string;
  /** whether this adapter serves the item id (its prefix, and for GitHub its host's repositories) */
  serves(itemId: string): boolean;
  /** the item as the tracker says it is now; undefined when it does not exist (or we may not see it) */
  fetchItem(itemId: string): Promise<TrackerItem | undefined>;
  /**
   * Items carrying an intake label (`agent:run`, `agent:run:<profile>`) changed since `since`
   * (a cursor this method returned, or undefined for "all open ones"), in one `scope` (GitHub:
   * `owner/repo`; Linear: a team key). Conditional where the tracker supports it (ETag).
   */
  listLabelled(scope: string, since?: string): Promise<ListLabelledResult>;
  /**
   * Create or update the one comment per job: with `commentId` the comment is edited in place,
   * else created. Returns the comment's id to keep for next time.
   */
  comment(itemId: string, body: string, commentId?: string): Promise<{ commentId: string }>;
  setState(itemId: string, state: TrackerState): Promise<void>;
  /** adds and removes labels (a label already there / already gone is not an error) */
  setLabels(itemId: string, change: { add?: string[]; remove?: string[] }): Promise<void>;
  /** whether the raw body is signed by the tracker with `secret` (checked before anything is read) */
  verifyWebhook(secret: string, rawBody: string, headers: Headers): Promise<boolean>;
  /** the verified delivery, parsed as hostile input; throws TrackerError("invalid", …) naming the field */
  parseWebhook(rawBody: string, headers: Headers): TrackerDelivery;
}

export const TRACKER_REFUSALS = ["auth", "forbidden", "not_found", "invalid", "rate_limited", "unavailable"] as const;
export type TrackerRefusal = (typeof TRACKER_REFUSALS)[number];

/** A refusal from a tracker. The message never carries a header or a credential. */
export class TrackerError extends Error {
  constructor(
    readonly reason: TrackerRefusal,
    message: string,
    readonly status?: number,
    /** the field at fault (webhook parsing): `body.issue.number` */
    readonly path?: string,
    /** when the tracker said to come back (rate limits) */
    readonly retryAt?: number,
  ) {
    super(message);
    this.name = "TrackerError";
  }
  /** worth retrying later (the outbox does) */
  get transient(): boolean {
    return this.reason === "unavailable" || this.reason === "rate_limited";
  }
}

export const isTrackerError = (e: unknown): e is TrackerError => e instanceof TrackerError;

/** The labels the intake and write-back use (issue 16 items 4 and 5). */
export const TRACKER_LABELS = { run: "agent:run", queued: "agent:queued", running: "agent:running", failed: "agent:failed" } as const;

/**
 * Whether `label` is an intake label of a tracker whose base is `base` (default `agent:run`):
 * `agent:run` → {profile: undefined}; `agent:run:frontend` → {profile: "frontend"}; anything else
 * undefined. Compared case-insensitively, as GitHub and Linear compare label names; the profile
 * keeps its spelling. With FLEET_LINEAR_LABEL=gf:go, `gf:go` and `gf:go:frontend` count, and
 * `agent:run` does not (each tracker has one base).
 */
export function intakeLabel(label: string, base: string = TRACKER_LABELS.run): { profile?: string } | undefined {
  if (label.length > base.length + 65) return undefined;
  const l = label.toLowerCase();
  const b = base.toLowerCase();
  if (l === b) return {};
  if (!l.startsWith(`${b}:`)) return undefined;
  const profile = label.slice(base.length + 1);
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(profile) ? { profile } : undefined;
}
