/**
 * One job as a table row: the columns the jobs table shows, resolved from the API's job view
 * (profile from the snapshot or the manifest, engine and factory from the lease).
 */
import { toMs, type JobView } from "./api-types";

export interface JobRow {
  id: string;
  stage: string;
  priority: string;
  title: string;
  product: string;
  profile: string;
  engine: string;
  factory: string;
  createdAt: number;
  costUsd: number;
  pendingReason?: string;
  /** queued past its priority's SLA target (the server's view when the page was read) */
  overdue?: { byMs: number; slaMs: number };
  /** the job's pull request on the forge, when it has one (the PR column) */
  pr?: { number: number; url: string; state: "open" | "closed" | "merged"; draft: boolean; owner: string; repo: string };
  /** the tracker item the job came from (the Tracker column), with its page where known */
  tracker?: { item: string; url?: string };
}

export function toJobRow(job: JobView, factoryNames: ReadonlyMap<string, string> = new Map()): JobRow {
  const m = job.manifest as Record<string, unknown>;
  const factoryId = job.lease?.factoryId;
  const pr = job.delivery?.pr;
  return {
    id: job.id,
    stage: job.stage,
    priority: job.priority,
    title: job.title,
    product: job.productId,
    profile: job.profile?.name ?? (typeof m.profile === "string" ? m.profile : ""),
    engine: job.lease?.engine ?? (typeof m.engine === "string" ? m.engine : typeof m["engine-class"] === "string" ? `${m["engine-class"]} (class)` : ""),
    factory: factoryId ? (factoryNames.get(factoryId) ?? factoryId) : "",
    createdAt: toMs(job.createdAt) ?? 0,
    costUsd: job.cost?.usd ?? 0,
    pendingReason: job.pendingReason,
    ...(job.overdue ? { overdue: job.overdue } : {}),
    ...(job.tracker ? { tracker: { item: job.tracker.item, ...(job.tracker.url ? { url: job.tracker.url } : {}) } } : {}),
    ...(pr ? { pr: { number: pr.number, url: pr.url, state: pr.state, draft: pr.draft, owner: pr.owner, repo: pr.repo } } : {}),
  };
}
