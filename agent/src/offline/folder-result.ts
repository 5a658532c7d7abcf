/**
 * A folder run's end: the coordinator's rules decide (./folder-rules.ts), then
 *
 *   retried  → `<stem>.retry.json` (attempts, not-before, wall spent, stages so far) and the file
 *              goes back to inbox/ with its log; it is picked again after the backoff
 *   finished → `<stem>.result.json` beside the job, and the move to the folder of its stage
 *              (review/, testing/, shipped/, or failed/ for failed, dead_letter and paused)
 *
 * Nothing reaches shipped but `review-policy: auto` with a green verify and a clean scope: a person
 * moves the file.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ResolvedJob } from "@/lib/profile";
import type { AgentEvent, ArtifactReport, CompleteRequest } from "@/lib/protocol";
import type { Stage } from "@/lib/types";
import type { JobResult } from "../run/job-runner";
import type { FolderQueue, StageDir } from "./folder";
import { folderNext } from "./folder-rules";

export interface OfflineResult {
  file: string;
  title: string;
  agent: string;
  engine: string;
  /** sha256 of the job file's text: what a later reconcile would key on */
  contentHash: string;
  profile?: { name: string; version: string };
  outcome: JobResult["outcome"];
  exitCode: number | null;
  /** the folder the job was moved to */
  stage: StageDir;
  /** the last attempt's stages after building, in the coordinator's names (dead_letter, paused land in failed/) */
  stages: Stage[];
  /** every stage the job went through, all attempts: queued, assigned, building, …, as online */
  history: Stage[];
  /** attempts counted (a retried job has more than one) */
  attempts: number;
  verify?: unknown;
  scope?: unknown;
  cost?: unknown;
  commits?: string[];
  /** `file`: its name in `<stem>.artifacts/` beside the job */
  artifacts?: { name: string; kind: string; size: number; file?: string; path?: string }[];
  timings: { claimedAt: string; finishedAt: string; durationMs: number };
  /** the folder lease and what the run reported, for the import on reconnect (./reconcile.ts) */
  leaseId?: string;
  attempt?: { events: AgentEvent[]; complete: Omit<CompleteRequest, "epoch"> };
}

export interface FolderRun {
  stem: string;
  job: ResolvedJob;
  hash: string;
  engine: string;
  leaseId: string;
  claimedAt: number;
  agent: string;
  completion: CompleteRequest | undefined;
  events: AgentEvent[];
  /** what earlier attempts left (`<stem>.retry.json`) */
  retry: RetryState;
}

/** `<stem>.retry.json`: a retried job's attempts so far. */
export interface RetryState {
  attempts: number;
  notBefore?: number;
  wallSpentMs: number;
  history: Stage[];
}

export const FIRST_ATTEMPT: RetryState = { attempts: 0, wallSpentMs: 0, history: ["queued"] };

/** The retry state beside a job file; a missing or unreadable one is a first attempt. */
export function readRetryState(file: string): RetryState {
  try {
    const v = JSON.parse(readFileSync(file, "utf8")) as Partial<RetryState>;
    if (typeof v.attempts !== "number" || typeof v.wallSpentMs !== "number" || !Array.isArray(v.history)) return FIRST_ATTEMPT;
    return { attempts: v.attempts, wallSpentMs: v.wallSpentMs, history: v.history, ...(typeof v.notBefore === "number" ? { notBefore: v.notBefore } : {}) };
  } catch {
    return FIRST_ATTEMPT;
  }
}

/** What is left of the job's wall budget over all attempts (undefined: no wall budget). */
export function wallLeft(job: ResolvedJob, spentMs: number): number | undefined {
  const wall = job.manifest.budget.wall;
  return wall === undefined ? undefined : wall - spentMs;
}

/** Decides by the coordinator's rules, then retries (back to inbox/) or settles (result + move). */
export function settleFolderRun(queue: FolderQueue, run: FolderRun, r: JobResult, log: (msg: string) => void): void {
  const c = run.completion;
  const { stem, job } = run;
  const finishedAt = Date.now();
  const spent = run.retry.wallSpentMs + (finishedAt - run.claimedAt);
  const next = folderNext(job, r, c, run.retry.attempts, finishedAt, wallLeft(job, spent));
  const built = run.events.some((e) => e.type === "stage" && e.stage === "building");
  const history: Stage[] = [...run.retry.history, "assigned", ...(built ? (["building"] as const) : []), ...next.stages];
  const attempts = run.retry.attempts + 1;
  const verdict = `${r.outcome}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ""}${c?.verify ? `, verify ${c.verify.passed ? "passed" : "failed"}` : ""}`;
  if (next.dir === "inbox") {
    const state: RetryState = { attempts, wallSpentMs: spent, history, ...(next.notBefore !== undefined ? { notBefore: next.notBefore } : {}) };
    writeFileSync(queue.path("building", stem, ".retry.json"), JSON.stringify(state, null, 2) + "\n");
    const to = queue.move(stem, "building", "inbox");
    log(`${stem}.md: ${verdict}: ${next.cause} → inbox/${to}.md`);
    return;
  }
  const result: OfflineResult = {
    file: `${stem}.md`,
    title: job.title,
    agent: run.agent,
    engine: run.engine,
    contentHash: run.hash,
    ...(job.profile ? { profile: job.profile } : {}),
    outcome: r.outcome,
    exitCode: r.exitCode,
    stage: next.dir,
    stages: next.stages,
    history,
    attempts,
    ...(c?.verify ? { verify: c.verify } : {}),
    ...(c?.scope ? { scope: c.scope } : {}),
    ...(c?.cost ? { cost: c.cost } : {}),
    ...(c?.commits ? { commits: c.commits } : {}),
    ...(c?.artifacts?.length ? { artifacts: writeArtifacts(queue, stem, c.artifacts) } : {}),
    timings: {
      claimedAt: new Date(run.claimedAt).toISOString(),
      finishedAt: new Date(finishedAt).toISOString(),
      durationMs: finishedAt - run.claimedAt,
    },
    leaseId: run.leaseId,
    ...(c ? { attempt: { events: run.events, complete: importable(c) } } : {}),
  };
  writeFileSync(queue.path("building", stem, ".result.json"), JSON.stringify(result, null, 2) + "\n");
  const to = queue.move(stem, "building", next.dir);
  const named = next.stages.at(-1) !== next.dir ? ` (${next.stages.at(-1)})` : "";
  log(`${stem}.md: ${verdict} → ${next.dir}/${to}.md${named}`);
}

/** Inline artifacts (diff, build log…) become files in `<stem>.artifacts/`; large ones keep their path. */
function writeArtifacts(queue: FolderQueue, stem: string, artifacts: ArtifactReport[]): NonNullable<OfflineResult["artifacts"]> {
  const dir = queue.path("building", stem, ".artifacts");
  return artifacts.map((a, i) => {
    const entry: NonNullable<OfflineResult["artifacts"]>[number] = { name: a.name, kind: a.kind, size: a.size };
    if (a.path) entry.path = a.path;
    if (a.content !== undefined) {
      const file = `${i + 1}-${a.name.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100)}`;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, file), a.content);
      entry.file = file;
    }
    return entry;
  });
}

/** The completion as the import carries it: no epoch (the coordinator grants one), no delivery, artifacts by name only. */
function importable(c: CompleteRequest): Omit<CompleteRequest, "epoch"> {
  const { epoch: _epoch, delivery: _delivery, artifacts, ...rest } = c;
  void _epoch;
  void _delivery;
  return { ...rest, ...(artifacts?.length ? { artifacts: artifacts.map((a) => ({ name: a.name, kind: a.kind, size: a.size })) } : {}) };
}
