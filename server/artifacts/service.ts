import "server-only";
import { createHash } from "node:crypto";
import {
  artifactNameProblem,
  looksLikeText,
  matchesContentType,
  TEXT_CONTENT_TYPES,
  type ArtifactContentType,
  type ArtifactUploadQuery,
  type ArtifactUploadResponse,
} from "@/lib/artifacts";
import { redact } from "@/lib/secrets";
import { FleetError } from "@/server/errors";
import { parseLeaseId } from "@/server/coordinator/ids";
import type { Store } from "@/server/store/port";
import { StagedOffsetError, type ArtifactStore, type StoredArtifact, type StoredMeta } from "./port";

/**
 * Artifact uploads and downloads over an ArtifactStore (port.ts), with the rules that make them
 * safe: the lease fence, names and types from lib/artifacts.ts, the size caps, redaction of text.
 *
 * Upload state machine, per (lease, name, declared size, declared type) = one upload id:
 *   staged 0 … n bytes (appended in order, never served)
 *   → the chunk that reaches the declared size: check the bytes' type, redact text, `put` under
 *     `<jobId>/<leaseId>/<name>` (visible at once), discard the staging
 *   → committed: the same upload again is answered with the committed result (a retried last chunk).
 * A refused request writes nothing: everything is checked before the first byte is staged.
 *
 * The fence: each chunk is refused unless (lease, epoch) is the job's current, unexpired lease (one
 * read; the write itself is not conditional on the job document). A lease lost between that read and
 * the write can leave bytes under its own lease's key, but nothing points at them: the job's record
 * names an artifact only through the fenced `complete`, and downloads serve recorded artifacts only.
 *
 * The per-job cap is checked when an upload starts and again at commit; two uploads of one job
 * committing at the same instant may pass it together (a bounded overshoot of one artifact each).
 */
export interface ArtifactLimits {
  /** one artifact (FLEET_ARTIFACT_MAX_BYTES) */
  maxBytes: number;
  /** all of one job's stored artifacts (FLEET_ARTIFACT_JOB_MAX_BYTES) */
  jobMaxBytes: number;
}

/** Abandoned uploads (a lease lost mid-upload) are removed after this long… */
const STAGED_MAX_AGE_MS = 24 * 3_600_000;
/** …checked at most this often per process, when an upload starts. */
const PRUNE_EVERY_MS = 3_600_000;

const field = (path: string, message: string) => ({ errors: [{ path, message }] });

export class ArtifactService {
  private lastPrune = 0;

  constructor(
    readonly store: ArtifactStore,
    private readonly deps: { jobs: Pick<Store, "getJob" | "listRuns">; now: () => number; limits: ArtifactLimits },
  ) {}

  get limits(): ArtifactLimits {
    return this.deps.limits;
  }

  async upload(factoryId: string, leaseId: string, name: string, q: ArtifactUploadQuery, chunk: Uint8Array): Promise<ArtifactUploadResponse> {
    const owner = parseLeaseId(leaseId);
    if (owner.factoryId !== factoryId) throw new FleetError("forbidden", "this lease belongs to another factory");
    const problem = artifactNameProblem(name);
    if (problem) throw new FleetError("validation", `bad artifact name: ${problem}`, field("name", problem));
    const { maxBytes, jobMaxBytes } = this.deps.limits;
    if (q.size > maxBytes) {
      throw new FleetError("payload_too_large", `an artifact may be at most ${maxBytes} bytes (FLEET_ARTIFACT_MAX_BYTES)`, field("size", `at most ${maxBytes}`));
    }
    if (q.offset + chunk.byteLength > q.size) {
      throw new FleetError("validation", "the chunk goes past the declared size", field("offset", `offset ${q.offset} + ${chunk.byteLength} bytes > size ${q.size}`));
    }
    const now = this.deps.now();
    const job = await this.deps.jobs.getJob(owner.jobId);
    const lease = job?.lease;
    if (!lease || lease.id !== leaseId || lease.epoch !== q.epoch || now >= lease.expiresAt) {
      throw new FleetError("lease_lost", `lease ${leaseId} (epoch ${q.epoch}) is not the job's current lease`);
    }

    const key = `${owner.jobId}/${leaseId}/${name}`;
    const uploadId = createHash("sha256").update(`${key}\0${q.size}\0${q.type}`).digest("hex");
    const answer = (received: number, meta?: StoredMeta): ArtifactUploadResponse => ({
      name,
      received,
      size: q.size,
      committed: meta !== undefined,
      contentType: q.type,
      ...(meta ? { storedSize: meta.size, sha256: meta.sha256 } : {}),
    });

    const existing = await this.store.stat(key);
    if (existing) {
      if (existing.uploadId === uploadId) return answer(q.size, existing);
      throw new FleetError("conflict", `artifact ${name} is already stored for this attempt with another size or type`, field("name", "already stored for this attempt"));
    }

    let received = await this.store.stagedBytes(uploadId);
    if (q.offset > received) {
      throw new FleetError("validation", `this upload holds ${received} bytes: send from offset ${received}`, {
        ...field("offset", `at most ${received} (the bytes received so far)`),
        extra: { received },
      });
    }
    if (received === 0) {
      await this.pruneNow(now);
      const used = await this.store.usage(`${owner.jobId}/`);
      if (used + q.size > jobMaxBytes) throw jobFull(jobMaxBytes, used);
    }
    // A chunk that overlaps what is staged (a retry whose answer was lost) adds only its new tail.
    const fresh = chunk.subarray(Math.min(chunk.byteLength, received - q.offset));
    if (fresh.byteLength > 0 || (q.size === 0 && received === 0)) {
      try {
        received = await this.store.appendStaged(uploadId, received, fresh);
      } catch (e) {
        if (!(e instanceof StagedOffsetError)) throw e;
        // A concurrent request appended first: the agent continues from what is there.
        return answer(e.received);
      }
    }
    if (received < q.size) return answer(received);
    return answer(q.size, await this.commit(key, uploadId, name, q, owner.jobId, jobMaxBytes));
  }

  private async commit(key: string, uploadId: string, name: string, q: ArtifactUploadQuery, jobId: string, jobMaxBytes: number): Promise<StoredMeta> {
    let bytes = await this.store.readStaged(uploadId);
    try {
      if (bytes.byteLength !== q.size) throw new FleetError("conflict", `the staged upload holds ${bytes.byteLength} bytes, not ${q.size}`, field("size", "does not match the bytes received"));
      if (!matchesContentType(q.type, bytes)) {
        throw new FleetError("validation", `the bytes of ${name} are not ${q.type}`, field("type", `the content is not ${q.type}`));
      }
      // Text is redacted before it is stored, as logs and events are: declared text, and any
      // "octet-stream" that decodes as text (a text file must not dodge redaction by its label).
      if (TEXT_CONTENT_TYPES.includes(q.type) || (q.type === "application/octet-stream" && looksLikeText(bytes))) {
        const text = new TextDecoder().decode(bytes);
        const clean = redact(text);
        if (clean !== text) bytes = new TextEncoder().encode(clean);
      }
      const used = await this.store.usage(`${jobId}/`);
      if (used + bytes.byteLength > jobMaxBytes) throw jobFull(jobMaxBytes, used);
      const meta: StoredMeta = {
        contentType: q.type,
        size: bytes.byteLength,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        uploadId,
        declaredSize: q.size,
      };
      await this.store.put(key, bytes, meta);
      return meta;
    } finally {
      // Committed or refused: the staging is done with (a refused upload starts again from 0).
      await this.store.discardStaged(uploadId);
    }
  }

  private async pruneNow(now: number): Promise<void> {
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await this.store.pruneStaged(now - STAGED_MAX_AGE_MS).catch(() => 0);
  }

  /**
   * A stored artifact of a job, as its record names it: the given attempt's, or the latest
   * attempt's that stored one of this name. Anything the record does not name is not served.
   */
  async open(jobId: string, name: string, attempt?: number): Promise<StoredArtifact & { name: string; contentType: ArtifactContentType }> {
    const problem = artifactNameProblem(name);
    if (problem) throw new FleetError("validation", `bad artifact name: ${problem}`, field("name", problem));
    const job = await this.deps.jobs.getJob(jobId);
    if (!job) throw new FleetError("not_found", `no job ${jobId}`);
    const runs = (await this.deps.jobs.listRuns(jobId))
      .filter((r) => (attempt === undefined || r.attempt === attempt) && r.artifacts?.some((a) => a.name === name && a.stored))
      .sort((a, b) => b.attempt - a.attempt);
    const run = runs[0];
    if (!run) throw new FleetError("not_found", `job ${jobId} has no stored artifact ${name}${attempt ? ` in attempt ${attempt}` : ""}`);
    const found = await this.store.open(`${jobId}/${run.id}/${name}`);
    if (!found) throw new FleetError("not_found", `artifact ${name} of attempt ${run.attempt} is not in the artifact store`);
    return { ...found, name, contentType: found.meta.contentType };
  }
}

function jobFull(jobMaxBytes: number, used: number): FleetError {
  return new FleetError("payload_too_large", `this job's artifacts may take at most ${jobMaxBytes} bytes (FLEET_ARTIFACT_JOB_MAX_BYTES); ${used} are stored`, field("size", `at most ${Math.max(0, jobMaxBytes - used)} more bytes for this job`));
}
