/**
 * Stored artifacts (issue 15 §6): what the agent uploads before its worktree is deleted, and what the
 * job page shows or offers for download. Shared by the agent (what to upload, under which name and
 * type), the coordinator (what to accept) and the UI (where to fetch it), so the three agree.
 *
 * Upload: `PUT /api/fleet/leases/{id}/artifacts/{name}?epoch=&offset=&size=&type=`, the body one chunk
 * of raw bytes at `offset` of an artifact of `size` bytes in all. Chunks are appended in order; the
 * answer says how many bytes the coordinator holds (`received`), so a retried or resumed upload
 * continues from there. The chunk that completes `size` commits the artifact atomically: before that
 * nothing is visible. Download: `GET /api/fleet/jobs/{id}/artifacts/{name}?attempt=`.
 */
import { z } from "zod";

/**
 * The only media types an artifact is stored and served as. No HTML, SVG or script: an artifact
 * comes from a job, and a job is hostile (DESIGN.md); everything that is not an image is offered
 * as a download (`Content-Disposition: attachment`), never rendered.
 */
export const ARTIFACT_CONTENT_TYPES = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "text/plain",
  "application/json",
  "application/zip",
  "application/octet-stream",
] as const;
export type ArtifactContentType = (typeof ARTIFACT_CONTENT_TYPES)[number];
export const artifactContentType = z.enum(ARTIFACT_CONTENT_TYPES);

/** Shown inline on the job page (an <img> of the download route). */
export const INLINE_IMAGE_TYPES: readonly ArtifactContentType[] = ["image/png", "image/jpeg", "image/gif", "image/webp"];
/** Redacted by the coordinator before they are stored. */
export const TEXT_CONTENT_TYPES: readonly ArtifactContentType[] = ["text/plain", "application/json"];

export const isInlineImage = (type: string | undefined): boolean => INLINE_IMAGE_TYPES.includes(type as ArtifactContentType);

/**
 * An artifact as a run records it and the job page lists it: the record of the store
 * (server/store/records.ts) and the UI's list (components/job/artifact-list.tsx) are this one shape.
 * `contentType` stays a plain string: a record is read back as it was written.
 */
export interface ArtifactRef {
  name: string;
  kind: string;
  size: number;
  content?: string;
  path?: string;
  /** uploaded to the artifact store (server/artifacts): served by GET /jobs/{id}/artifacts/{name} */
  stored?: boolean;
  contentType?: string;
}

/** Bytes of one upload request; the agent sends chunks of ARTIFACT_CHUNK_BYTES. */
export const ARTIFACT_MAX_CHUNK_BYTES = 4 * 1_048_576;
export const ARTIFACT_CHUNK_BYTES = 1_048_576;
/** Defaults of FLEET_ARTIFACT_MAX_BYTES (one artifact) and FLEET_ARTIFACT_JOB_MAX_BYTES (all of a job's). */
export const DEFAULT_ARTIFACT_MAX_BYTES = 25 * 1_048_576;
export const DEFAULT_ARTIFACT_JOB_MAX_BYTES = 250 * 1_048_576;

export const ARTIFACT_NAME_MAX = 256;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._+-]{0,127}$/;
const MAX_SEGMENTS = 16;

/**
 * Why `name` cannot be a stored artifact's name, or undefined when it can. A name is a relative
 * path of plain segments (letters, digits, `._+-`, no segment starting with a dot), so it cannot
 * climb out of its job's folder, hide as a dotfile, or carry a character a header or a file system
 * treats specially.
 */
export function artifactNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > ARTIFACT_NAME_MAX) return `at most ${ARTIFACT_NAME_MAX} characters`;
  const segments = name.split("/");
  if (segments.length > MAX_SEGMENTS) return `at most ${MAX_SEGMENTS} path segments`;
  for (const s of segments) {
    if (s === "..") return "must not contain `..` (no path traversal)";
    if (!SEGMENT.test(s)) return `segment ${JSON.stringify(s.slice(0, 40))}: letters, digits, '.', '_', '+' or '-', not starting with a dot, at most 128`;
  }
  return undefined;
}

export const artifactName = z.string().superRefine((name, ctx) => {
  const problem = artifactNameProblem(name);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const BY_EXTENSION: Record<string, ArtifactContentType> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  json: "application/json",
  zip: "application/zip",
};

/** True when `bytes` look like text: no NUL and valid UTF-8. */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The type an artifact is uploaded as: by extension, else text/plain for text, else octet-stream. */
export function contentTypeFor(name: string, head: Uint8Array): ArtifactContentType {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  const known = ext ? BY_EXTENSION[ext] : undefined;
  if (known) return known;
  return looksLikeText(head) ? "text/plain" : "application/octet-stream";
}

/**
 * Whether `bytes` really are of the declared binary type (magic numbers). A text file declared as
 * an image would dodge redaction and be rendered by the browser as something it is not.
 */
export function matchesContentType(type: ArtifactContentType, bytes: Uint8Array): boolean {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  switch (type) {
    case "image/png":
      return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
    case "image/jpeg":
      return starts(0xff, 0xd8, 0xff);
    case "image/gif":
      return starts(0x47, 0x49, 0x46, 0x38);
    case "image/webp":
      return starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50;
    case "application/zip":
      return starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06);
    case "text/plain":
    case "application/json":
    case "application/octet-stream":
      return true;
  }
}

/** The upload's query (everything but the bytes, which are the body). */
export const artifactUploadQuery = z.object({
  epoch: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** where this chunk starts: at most the bytes received so far */
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** the whole artifact's size in bytes, declared up front */
  size: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  type: artifactContentType,
});
export type ArtifactUploadQuery = z.infer<typeof artifactUploadQuery>;

export const artifactUploadResponse = z.object({
  name: z.string(),
  /** bytes the coordinator holds of this upload; the next chunk starts here */
  received: z.number().int().min(0),
  size: z.number().int().min(0),
  /** true once the whole artifact is stored and visible */
  committed: z.boolean(),
  contentType: artifactContentType,
  /** committed: the stored size (text is redacted, so it may differ from `size`) and its SHA-256 */
  storedSize: z.number().int().min(0).optional(),
  sha256: z.string().optional(),
});
export type ArtifactUploadResponse = z.infer<typeof artifactUploadResponse>;

export const artifactDownloadQuery = z.object({
  /** which attempt's artifact (1, 2, …); default: the latest attempt that stored one of this name */
  attempt: z.coerce.number().int().min(1).max(1_000_000).optional(),
});

/** Where the UI fetches a stored artifact. */
export function artifactDownloadPath(jobId: string, name: string, attempt?: number): string {
  return `/api/fleet/jobs/${encodeURIComponent(jobId)}/artifacts/${encodeURIComponent(name)}${attempt ? `?attempt=${attempt}` : ""}`;
}
