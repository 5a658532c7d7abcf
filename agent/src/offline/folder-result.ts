/**
 * A folder run's end: `<stem>.result.json` beside the job, and the move to the stage the
 * coordinator's own Phase-0 rules give (lib/stages, the functions completion.ts applies online):
 *
 *   engine exit 0 → review; with verify: pass → testing, fail → failed; engine failure, timeout,
 *   budget or cancel → failed; `review-policy: auto` + verify passed + nothing out of scope →
 *   shipped. Nothing else reaches shipped: a person moves the file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ResolvedJob } from "@/lib/profile";
import type { AgentEvent, ArtifactReport, CompleteRequest } from "@/lib/protocol";
import { stageAfterEngineExit, stageAfterVerify } from "@/lib/stages";
import type { JobResult } from "../run/job-runner";
import type { FolderQueue, StageDir } from "./folder";

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
  /** the folder the job was moved to, and the stages it went through after building */
  stage: StageDir;
  stages: StageDir[];
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
}

/** The stages a finished run goes through after building, by the Phase-0 rules; the last is where it lands. */
export function folderStages(job: ResolvedJob, r: Pick<JobResult, "outcome" | "exitCode">, c: CompleteRequest | undefined): StageDir[] {
  if (r.outcome !== "succeeded" || r.exitCode === null) return ["failed"];
  const stages: StageDir[] = [stageAfterEngineExit(r.exitCode) as StageDir]; // review
  if (c?.verify) stages.push(stageAfterVerify(c.verify.passed) as StageDir); // testing | failed
  const clean = (c?.scope?.outOfScope.length ?? 0) === 0;
  if (stages.at(-1) === "testing" && job.manifest["review-policy"] === "auto" && clean) stages.push("shipped");
  return stages;
}

/** Writes the result beside the job (still in building/) and moves it where the rules say. */
export function settleFolderRun(queue: FolderQueue, run: FolderRun, r: JobResult, log: (msg: string) => void): void {
  const c = run.completion;
  const { stem, job } = run;
  const stages = folderStages(job, r, c);
  const stage = stages.at(-1)!;
  const finishedAt = Date.now();
  const result: OfflineResult = {
    file: `${stem}.md`,
    title: job.title,
    agent: run.agent,
    engine: run.engine,
    contentHash: run.hash,
    ...(job.profile ? { profile: job.profile } : {}),
    outcome: r.outcome,
    exitCode: r.exitCode,
    stage,
    stages,
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
  const to = queue.move(stem, "building", stage);
  log(`${stem}.md: ${r.outcome}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ""}${c?.verify ? `, verify ${c.verify.passed ? "passed" : "failed"}` : ""} → ${stage}/${to}.md`);
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
