import "server-only";
import { TERMINAL_STAGES } from "@/lib/stages";
import type { RestoreRecord, Store } from "@/server/store/port";
import type { EpochMs, JobRecord } from "@/server/store/records";
import { notEmpty, storeHasJobs } from "@/server/store/rules/restore";
import { ARCHIVE_FORMAT, ArchiveChecker, ArchiveError, type ArchiveCounts } from "./archive-format";
import { openArchiveWriter, readArchiveLines } from "./archive-io";

/**
 * `fleet archive` and `fleet import-archive` over the store port (archive-format.ts says what the
 * file holds). Export: every terminal job (shipped, dead_letter, cancelled) last written before
 * `before` and holding no lease, whole (the job, its runs with their lease records, its events, its
 * log), each line checked on the way out by the same checker the import uses, so what is written
 * can be read back. Import: a first pass checks every line, a second pass (checking again: the file
 * may have changed) hands the records to Store.restoreJobs, which writes all or nothing.
 */
const PAGE = 500;
const JOBS_PAGE = 200;

export interface Progress {
  (message: string): void;
}

export interface ExportResult extends ArchiveCounts {
  /** terminal jobs old enough but still holding a lease (a cancel the agent has not acknowledged yet) */
  skippedLeased: string[];
}

export async function exportArchive(store: Store, opts: { before: EpochMs; file: string; now: EpochMs; progress?: Progress; progressEvery?: number }): Promise<ExportResult> {
  const every = opts.progressEvery ?? 100;
  const checker = new ArchiveChecker();
  const writer = await openArchiveWriter(opts.file);
  const put = async (value: unknown) => {
    checker.feed(JSON.stringify(value));
    await writer.write(value);
  };
  const skippedLeased: string[] = [];
  try {
    await put({ kind: "fleet-archive", format: ARCHIVE_FORMAT, createdAt: new Date(opts.now).toISOString(), before: new Date(opts.before).toISOString(), source: store.kind });
    let cursor: string | undefined;
    do {
      const page = await store.listJobs({ stage: [...TERMINAL_STAGES] }, cursor, JOBS_PAGE, { by: "createdAt", dir: "asc" });
      cursor = page.nextCursor;
      for (const job of page.items) {
        if (job.updatedAt >= opts.before) continue;
        if (job.lease) {
          skippedLeased.push(job.id);
          continue;
        }
        await exportJob(store, job, put);
        if (checker.counts.jobs % every === 0) opts.progress?.(progressLine("archived", checker.counts));
      }
    } while (cursor);
    const counts = { ...checker.counts };
    await put({ kind: "end", ...counts });
    checker.finish();
    await writer.commit();
    return { ...counts, skippedLeased };
  } catch (e) {
    writer.abort();
    throw e;
  }
}

/**
 * One job's lines. The job is read again at the end: if it changed meanwhile (a requeue, a late
 * completion), what was written may not belong together, and the archive is refused rather than
 * written inconsistent.
 */
async function exportJob(store: Store, job: JobRecord, put: (value: unknown) => Promise<void>): Promise<void> {
  await put({ kind: "job", job });
  const leases = new Map((await store.listLeases(job.id)).map((l) => [l.id, l]));
  for (const run of (await store.listRuns(job.id)).sort((a, b) => a.attempt - b.attempt)) {
    const lease = leases.get(run.id);
    if (!lease) throw new ArchiveError(`job ${job.id}: run ${run.id} has no lease-history record in the store`);
    await put({ kind: "run", run, lease });
  }
  for (let after = 0; ; ) {
    const events = await store.readEvents(job.id, after, PAGE);
    for (const event of events) await put({ kind: "event", event });
    if (events.length < PAGE) break;
    after = events[events.length - 1]!.seq;
  }
  for (let after = 0; ; ) {
    const chunks = await store.readLog(job.id, after, PAGE);
    for (const log of chunks) await put({ kind: "log", log });
    if (chunks.length < PAGE) break;
    after = chunks[chunks.length - 1]!.pos;
  }
  const again = await store.getJob(job.id);
  if (!again || again.version !== job.version) {
    throw new ArchiveError(`job ${job.id} changed while it was being archived (requeued?): nothing was written; run the archive again`);
  }
}

export async function importArchive(store: Store, opts: { file: string; progress?: Progress; progressEvery?: number }): Promise<ArchiveCounts> {
  const every = opts.progressEvery ?? 100;
  // Said before a long check of the file, and said again by restoreJobs where it is atomic.
  if (storeHasJobs(await store.countJobsByStage())) throw notEmpty();
  const first = new ArchiveChecker();
  for await (const line of readArchiveLines(opts.file)) {
    const rec = first.feed(line);
    if (rec?.kind === "job" && first.counts.jobs % every === 0) opts.progress?.(progressLine("checked", first.counts));
  }
  first.finish();
  opts.progress?.(progressLine("checked", first.counts) + " (every line valid)");

  const second = new ArchiveChecker();
  async function* records(): AsyncGenerator<RestoreRecord> {
    for await (const line of readArchiveLines(opts.file)) {
      const rec = second.feed(line);
      if (!rec) continue;
      if (rec.kind === "job" && second.counts.jobs > 1 && (second.counts.jobs - 1) % every === 0) opts.progress?.(progressLine("restoring", second.counts));
      yield rec;
    }
    second.finish();
    for (const k of ["jobs", "runs", "events", "logs"] as const) {
      if (second.counts[k] !== first.counts[k]) throw new ArchiveError(`${opts.file} changed while it was imported (${k}: ${first.counts[k]} then ${second.counts[k]})`);
    }
  }
  await store.restoreJobs(records());
  return { ...second.counts };
}

export function progressLine(what: string, c: ArchiveCounts): string {
  return `${what} ${c.jobs} job(s): ${c.runs} run(s), ${c.events} event(s), ${c.logs} log chunk(s)`;
}
