"use client";
/**
 * The job page's live part. One SSE subscription (`/jobs/{id}/stream`) feeds both the log tail and
 * the timeline; a stage change re-reads the job so the buttons, the explanation and the results
 * follow. Resuming after a drop sends the last applied id as Last-Event-ID (see use-sse), and the
 * log buffer ignores anything replayed twice.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { stringify } from "yaml";
import type { EventSourceMessage } from "eventsource-parser";
import type { EventView, JobView } from "@/lib/ui/api-types";
import { formatDuration, formatTokens, formatUsd } from "@/lib/ui/format";
import { appendChunk, emptyLogBuffer, type LogBufferState } from "@/lib/ui/log-buffer";
import { getJson } from "../api-client";
import { OverdueBadge, PriorityBadge, StageBadge } from "../badges";
import { CostBar } from "../cost-bar";
import { jobStreamMessage, parseStreamMessage } from "@/lib/api/stream";
import { useSse, type StreamStatus } from "../use-sse";
import { lateResultsOf } from "@/lib/ui/late-results";
import { approvalState, budgetPause, deadLetterOf } from "@/lib/ui/policy-views";
import { lastFollowUpRefusal } from "@/lib/ui/pull-request";
import { ActionButtons } from "./action-buttons";
import { ApprovalStatus } from "./approval-status";
import { ProtectedPaths } from "./protected-paths";
import { DeadLetterPanel } from "./dead-letter-panel";
import { LateResultsPanel } from "./late-results";
import { DeliveryPanel } from "./delivery-panel";
import { ExplanationPanel } from "./explanation-panel";
import { LogTail } from "./log-tail";
import { ArtifactsPanel, DiffPanel, ScopePanel, VerifyPanel, VersionsPanel, type RunResult } from "./run-results";
import { Timeline } from "./timeline";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads one SSE message (lib/api/stream.ts jobStreamMessage) as a log chunk, an event, or nothing we know. */
export function classifyMessage(msg: EventSourceMessage): { log?: { stream: "stdout" | "stderr"; text: string }; event?: EventView } {
  const m = parseStreamMessage(jobStreamMessage, msg);
  if (!m) return {};
  if (m.event === "run:log") return { log: { stream: m.data.stream, text: m.data.text } };
  return { event: m.data };
}

/** `job-<id>.log`, with anything but letters, digits, `.`, `_` and `-` of the id made `_` (ids come from URLs). */
export function logFileName(jobId: string): string {
  return `job-${jobId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120)}.log`;
}

/** Something left to deliver (a head to push or merge, a PR to merge): Ship then says what it does. */
function hasUndeliveredWork(d: JobView["delivery"]): d is NonNullable<JobView["delivery"]> {
  return d !== undefined && !d.mergeSha && !d.pr?.mergeSha && (d.headSha !== undefined || d.pushError !== undefined || d.pr !== undefined);
}

/** The latest `decision:made` event's data: the explanation when the job record carries none. */
function lastDecisionEvent(events: EventView[]): unknown {
  for (let i = events.length - 1; i >= 0; i--) if (events[i]!.type === "decision:made") return events[i]!.data;
  return undefined;
}

export function JobLive({ jobId, canOperate, isAdmin = false }: { jobId: string; canOperate: boolean; isAdmin?: boolean }) {
  const [job, setJob] = useState<JobView | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [events, setEvents] = useState<EventView[]>([]);
  const [log, setLog] = useState<LogBufferState>(emptyLogBuffer);
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const [follow, setFollow] = useState(true);
  const [profile, setProfile] = useState<unknown>(null);
  const [factoryNames, setFactoryNames] = useState<Map<string, string>>(new Map());
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const base = `/api/fleet/jobs/${encodeURIComponent(jobId)}`;

  const loadJob = useCallback(() => {
    getJson<JobView>(base)
      .then(setJob)
      .catch((e: unknown) => {
        if (isObj(e) && e.status === 404) setNotFound(true);
      });
  }, [base]);

  const mergeEvents = useCallback((incoming: EventView[]) => {
    setEvents((prev) => {
      const bySeq = new Map(prev.map((e) => [e.seq, e]));
      for (const e of incoming) bySeq.set(e.seq, e);
      return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    });
  }, []);

  useEffect(() => {
    loadJob();
    getJson<{ items: EventView[] }>(`${base}/events`)
      .then((r) => mergeEvents(r.items))
      .catch(() => undefined);
  }, [base, loadJob, mergeEvents]);

  useEffect(() => {
    getJson<{ items: { id: string; name: string }[] }>("/api/fleet/factories")
      .then((r) => setFactoryNames(new Map(r.items.map((f) => [f.id, f.name]))))
      .catch(() => undefined);
  }, []);

  // Poll as a fallback while the stream is down (e.g. a proxy that buffers SSE).
  useEffect(() => {
    if (status === "live") return;
    const t = setInterval(loadJob, 5000);
    return () => clearInterval(t);
  }, [status, loadJob]);

  const profileName = job?.profile?.name ?? (typeof job?.manifest.profile === "string" ? job.manifest.profile : undefined);
  useEffect(() => {
    if (!profileName) return;
    getJson<unknown>(`/api/fleet/profiles/${encodeURIComponent(profileName)}`)
      .then(setProfile)
      .catch(() => setProfile(null));
  }, [profileName]);

  useSse({
    url: `${base}/stream`,
    onStatus: setStatus,
    onMessage: (msg) => {
      const { log: chunk, event } = classifyMessage(msg);
      if (chunk) setLog((s) => appendChunk(s, { id: msg.id ?? `${Date.now()}:${Math.random()}`, ...chunk }));
      if (event) {
        mergeEvents([event]);
        // Coalesce bursts of events into one re-read of the job.
        if (refetchTimer.current) clearTimeout(refetchTimer.current);
        refetchTimer.current = setTimeout(loadJob, 150);
      }
    },
  });

  if (notFound) return <p role="alert">No job with id {jobId}.</p>;
  if (!job) return <p className="muted">loading…</p>;

  const runs = (job.runs ?? []) as (RunResult & { factoryId?: string })[];
  const lastRun = runs[runs.length - 1];
  const placedFactory = job.lease?.factoryId ?? lastRun?.factoryId;
  const placedOn = placedFactory
    ? { factory: factoryNames.get(placedFactory) ?? placedFactory, engine: job.lease?.engine ?? lastRun?.engine ?? "?" }
    : undefined;
  const diff = lastRun?.artifacts?.find((a) => a.kind === "diff" || a.name === "diff")?.content;
  const budget = isObj(job.manifest.budget) ? (job.manifest.budget as { usd?: number; tokens?: number; wall?: number }) : {};
  const approvals = approvalState(job.manifest, events);
  const deadLetter = job.stage === "dead_letter" ? deadLetterOf(events) : undefined;
  const overBudget = job.stage === "paused" ? budgetPause(events) : undefined;

  return (
    <div>
      <header className="row" style={{ justifyContent: "space-between", marginBottom: 12 }}>
        <div>
          <h1 style={{ marginBottom: 4 }}>{job.title}</h1>
          <div className="row">
            <StageBadge stage={job.stage} />
            <PriorityBadge priority={job.priority} />
            {job.overdue && <OverdueBadge overdue={job.overdue} />}
            <span className="mono muted">{job.id}</span>
            <span className="muted">product {job.productId}</span>
            {job.attempts > 0 && <span className="muted">attempt {job.attempts}</span>}
          </div>
          {job.pendingReason && (job.stage === "queued" || job.stage === "blocked" || job.stage === "paused") && (
            <p data-testid="pending-reason">Pending: {job.pendingReason}</p>
          )}
          {job.blockedReasons.length > 0 && <p>Blocked: {job.blockedReasons.join("; ")}</p>}
          {approvals && <ApprovalStatus state={approvals} />}
          {job.protectedPaths && <ProtectedPaths matches={job.protectedPaths} waiting={job.stage === "review" || job.stage === "testing"} />}
        </div>
        {canOperate && (
          <ActionButtons
            jobId={job.id}
            stage={job.stage}
            isAdmin={isAdmin}
            budgetBreaches={overBudget?.breaches}
            {...(hasUndeliveredWork(job.delivery) ? { delivery: job.delivery } : {})}
            followUp={job.followUpOf !== undefined}
            onDone={loadJob}
          />
        )}
      </header>

      <div className="two-col">
        <div style={{ display: "grid", gap: 12, alignContent: "start" }}>
          {deadLetter && <DeadLetterPanel deadLetter={deadLetter} factoryNames={factoryNames} />}
          <ExplanationPanel
            stage={job.stage}
            pending={job.pending}
            decision={job.decision ?? lastDecisionEvent(events)}
            pendingReason={job.pendingReason}
            placedOn={placedOn}
            factoryNames={factoryNames}
          />
          {job.tracker ? (
            <p data-testid="tracker-item">
              From tracker item {job.tracker.url ? <a href={job.tracker.url} rel="noreferrer" target="_blank">{job.tracker.item}</a> : job.tracker.item}
            </p>
          ) : null}
          <DeliveryPanel delivery={job.delivery} task={job.task} followUpOf={job.followUpOf} followUpRefused={lastFollowUpRefusal(events)} />
          <LogTail
            buffer={log}
            status={status}
            follow={follow}
            onFollowChange={setFollow}
            downloadHref={`${base}/logs`}
            downloadName={logFileName(jobId)}
          />
          <VerifyPanel verify={lastRun?.verify} />
          <ScopePanel scope={lastRun?.scope} />
          <DiffPanel diff={diff} outOfScope={lastRun?.scope?.outOfScope} />
          <ArtifactsPanel artifacts={lastRun?.artifacts} commits={lastRun?.commits} jobId={job.id} {...(lastRun?.attempt ? { attempt: lastRun.attempt } : {})} />
          <VersionsPanel runs={runs} factoryNames={factoryNames} />
          <LateResultsPanel results={lateResultsOf(events)} />
        </div>
        <div style={{ display: "grid", gap: 12, alignContent: "start" }}>
          <section className="panel" aria-labelledby="cost-heading">
            <h2 id="cost-heading">Cost</h2>
            <div style={{ display: "grid", gap: 8 }}>
              <CostBar label="Dollars" spent={job.cost.usd} budget={budget.usd} format={formatUsd} />
              <CostBar label="Tokens" spent={job.cost.tokensIn + job.cost.tokensOut} budget={budget.tokens} format={formatTokens} />
              <CostBar label="Wall time" spent={job.cost.wallMs} budget={budget.wall} format={formatDuration} />
            </div>
          </section>
          <Timeline events={events} />
          <section className="panel" aria-labelledby="manifest-heading">
            <h2 id="manifest-heading">Manifest</h2>
            <pre className="mono">{stringify(job.manifest, { lineWidth: 0 })}</pre>
          </section>
          {profileName && (
            <section className="panel" aria-labelledby="profile-heading">
              <h2 id="profile-heading">Profile {profileName}</h2>
              {job.profile && <p className="muted">snapshot {job.profile.version.slice(0, 12)}</p>}
              <pre className="mono">{profile ? (typeof profile === "string" ? profile : stringify(profile, { lineWidth: 0 })) : "—"}</pre>
            </section>
          )}
          <section className="panel" aria-labelledby="prompt-heading">
            <h2 id="prompt-heading">Prompt</h2>
            <pre>{job.body ?? ""}</pre>
          </section>
        </div>
      </div>
    </div>
  );
}
