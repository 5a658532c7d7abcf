/**
 * The coordinator's lease writes, answered locally for the offline queue: the same JobRun that
 * runs online jobs streams its (already redacted) events here, and they land in files instead of
 * HTTP requests. `log` text is appended to `<stem>.log` as it arrives; the completion is kept for
 * the result file. Renewals always succeed: nobody else can take a job this agent renamed.
 */
import { appendFileSync } from "node:fs";
import type { AgentEvent, CompleteRequest, RenewResponse } from "@/lib/protocol";
import type { LeaseClient } from "../run/job-runner";

export class LocalLease implements LeaseClient {
  completion: CompleteRequest | undefined;

  constructor(
    private readonly logFile: string,
    private readonly ttlMs: number,
  ) {}

  async renew(): Promise<RenewResponse> {
    return { expiresAt: new Date(Date.now() + this.ttlMs).toISOString() };
  }

  async events(_leaseId: string, _epoch: number, events: AgentEvent[]): Promise<void> {
    let text = "";
    for (const e of events) if (e.type === "log") text += e.text;
    if (text) appendFileSync(this.logFile, text);
  }

  async complete(_leaseId: string, body: CompleteRequest): Promise<void> {
    this.completion = body;
  }
}
