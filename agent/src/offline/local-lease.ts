/**
 * The coordinator's lease writes, answered locally for the offline queue: the same JobRun that
 * runs online jobs streams its (already redacted) events here, and they land in files instead of
 * HTTP requests. `log` text is appended to `<stem>.log` as it arrives; the completion is kept for
 * the result file. Renewals always succeed: nobody else can take a job this agent renamed.
 */
import { appendFileSync } from "node:fs";
import { AGENT_BATCH_BYTES, utf8Bytes } from "@/lib/limits";
import type { AgentEvent, CompleteRequest, RenewResponse } from "@/lib/protocol";
import type { LeaseClient } from "../run/job-runner";

/** What a folder run keeps of its events for the import on reconnect (../outbox/reconcile.ts): one batch's worth. */
const KEPT_EVENT_BYTES = AGENT_BATCH_BYTES;

export class LocalLease implements LeaseClient {
  completion: CompleteRequest | undefined;
  /** the run's events in order, as the coordinator would have received them (oldest log chunks dropped past the budget) */
  readonly kept: AgentEvent[] = [];
  private keptBytes = 0;

  constructor(
    private readonly logFile: string,
    private readonly ttlMs: number,
  ) {}

  async renew(): Promise<RenewResponse> {
    return { expiresAt: new Date(Date.now() + this.ttlMs).toISOString() };
  }

  async events(_leaseId: string, _epoch: number, events: AgentEvent[]): Promise<void> {
    let text = "";
    for (const e of events) {
      if (e.type === "log") text += e.text;
      this.kept.push(e);
      this.keptBytes += utf8Bytes(JSON.stringify(e));
    }
    // The whole log stays in <stem>.log; the import carries its tail and every other event.
    while (this.keptBytes > KEPT_EVENT_BYTES) {
      const i = this.kept.findIndex((e) => e.type === "log");
      if (i < 0) break;
      this.keptBytes -= utf8Bytes(JSON.stringify(this.kept[i]));
      this.kept.splice(i, 1);
    }
    if (text) appendFileSync(this.logFile, text);
  }

  async complete(_leaseId: string, body: CompleteRequest): Promise<void> {
    this.completion = body;
  }
}
