import "server-only";
import type { ArtifactContentType } from "@/lib/artifacts";

/**
 * The artifact store port: where uploaded artifact bytes live once they leave the factory. Two
 * providers: a directory under the data dir (local-dir.ts, the default) and an Azure Blob container
 * (azure-blob.ts, for several instances sharing Cosmos). This is the only room that imports the
 * blob SDK; nothing here knows jobs or leases (uploads.ts does).
 *
 * Two areas:
 *   - staging: an upload in progress, named by its upload id, appended to in order and never served.
 *   - committed: `put(key, …)` makes a whole artifact visible under its key at once (a file renamed
 *     into place; a single Put Blob), so a reader sees all of it or nothing.
 */
export interface StoredMeta {
  contentType: ArtifactContentType;
  /** bytes stored (after redaction of text) */
  size: number;
  sha256: string;
  /** the upload that committed it (uploads.ts): a retried final chunk is answered, not stored twice */
  uploadId: string;
  /** the size the agent declared (before redaction) */
  declaredSize: number;
}

export interface StoredArtifact {
  meta: StoredMeta;
  body: ReadableStream<Uint8Array>;
}

/** Raised by `appendStaged` when the staged bytes do not end at `offset` (another writer, or a gap). */
export class StagedOffsetError extends Error {
  constructor(readonly received: number) {
    super(`the staged upload holds ${received} bytes`);
    this.name = "StagedOffsetError";
  }
}

export interface ArtifactStore {
  readonly kind: "local" | "azure-blob";
  /** where, for logs: a path or the container URL without its query (never a SAS token) */
  readonly where: string;
  /** Bytes staged for `uploadId` (0 when none). */
  stagedBytes(uploadId: string): Promise<number>;
  /**
   * Appends `bytes` to the staged upload, which must hold exactly `offset` bytes; concurrent
   * appends at the same offset: one wins, the other gets StagedOffsetError. Returns the new length.
   */
  appendStaged(uploadId: string, offset: number, bytes: Uint8Array): Promise<number>;
  readStaged(uploadId: string): Promise<Uint8Array>;
  discardStaged(uploadId: string): Promise<void>;
  /** Staged uploads untouched since before `before` (epoch ms) are removed: abandoned by a lost lease. */
  pruneStaged(before: number): Promise<number>;
  /** Stores a whole artifact under `key`, visible at once; replaces what was there. */
  put(key: string, bytes: Uint8Array, meta: StoredMeta): Promise<void>;
  stat(key: string): Promise<StoredMeta | undefined>;
  open(key: string): Promise<StoredArtifact | undefined>;
  /** Total committed bytes under `prefix` (the per-job cap). */
  usage(prefix: string): Promise<number>;
}
