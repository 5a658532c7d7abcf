// TEMPORARY: the tracker port's shape as server/tracker/port.ts (branch `tracker`) declares it, until it lands on main.
export interface TrackerItem { id: string; url: string; title: string; body: string; labels: string[]; state: "open" | "closed"; author?: string; updatedAt: string; repo?: string }
export type TrackerState = "started" | "done";
export interface ListLabelledResult { items: TrackerItem[]; cursor: string; notModified?: boolean }
export type TrackerEvent =
  | { kind: "labeled"; item: TrackerItem; label: string }
  | { kind: "edited"; item: TrackerItem }
  | { kind: "closed"; item: TrackerItem }
  | { kind: "comment"; item: TrackerItem; commentId: string; body: string }
  | { kind: "ping" }
  | { kind: "ignored"; event: string; action?: string };
export interface TrackerDelivery { deliveryId: string; actor?: string; event: TrackerEvent }
export interface TrackerPort {
  readonly kind: "github" | "linear";
  serves(itemId: string): boolean;
  fetchItem(itemId: string): Promise<TrackerItem | undefined>;
  listLabelled(scope: string, since?: string): Promise<ListLabelledResult>;
  comment(itemId: string, body: string, commentId?: string): Promise<{ commentId: string }>;
  setState(itemId: string, state: TrackerState): Promise<void>;
  setLabels(itemId: string, change: { add?: string[]; remove?: string[] }): Promise<void>;
  verifyWebhook(secret: string, rawBody: string, headers: Headers): Promise<boolean>;
  parseWebhook(rawBody: string, headers: Headers): TrackerDelivery;
}
export type TrackerRefusal = "auth" | "forbidden" | "not_found" | "invalid" | "rate_limited" | "unavailable";
export class TrackerError extends Error {
  constructor(readonly reason: TrackerRefusal, message: string, readonly status?: number, readonly path?: string, readonly retryAt?: number) {
    super(message);
    this.name = "TrackerError";
  }
  get transient(): boolean {
    return this.reason === "unavailable" || this.reason === "rate_limited";
  }
}
