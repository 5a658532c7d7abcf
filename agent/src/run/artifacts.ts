/**
 * Artifacts the manifest asks for: `diff` (everything the run changed, untracked files included,
 * against the starting commit), `build-logs` (the redacted engine log), `coverage`
 * (coverage/coverage-summary.json) and globs matched under the checkout. Content is inlined up to
 * the protocol's limit and redacted; `size` is always the full size. Files are then uploaded to the
 * coordinator's artifact store (uploadArtifacts below): the worktree is deleted after the run.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import path from "node:path";
import picomatch from "picomatch";
import {
  ARTIFACT_CHUNK_BYTES,
  artifactNameProblem,
  contentTypeFor,
  type ArtifactContentType,
  type ArtifactUploadQuery,
  type ArtifactUploadResponse,
} from "@/lib/artifacts";
import { redact } from "@/lib/secrets";
import { LIMITS, type ArtifactReport } from "@/lib/protocol";
import { backoffDelay, sleep } from "../net/backoff";
import { LeaseLostError, TransientError } from "../net/errors";
import { git as runGit, gitOutput } from "./git";
import type { Change } from "./scope";
import { escapesRoot } from "./scope";

export async function diffSince(root: string, base: string | undefined, changes: Change[], env: Record<string, string> = {}): Promise<string> {
  const git = (args: string[], cwd: string) => runGit(args, cwd, 120_000, undefined, env);
  let text = base ? await git(["diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", base, "--"], root) : "";
  const undone = changes.filter((c) => c.status === "undone").map((c) => c.path);
  if (base && undone.length) {
    // Invisible in the sum but delivered in the commits: shown commit by commit.
    text += `\n# changed by the delivered commits, though not in their end result (${undone.length} path(s)):\n`;
    text += await git(["log", "-p", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--reverse", "--format=# commit %H", `${base}..HEAD`, "--", ...undone.slice(0, 500)], root);
  }
  for (const c of changes.filter((c) => c.status === "untracked" || (!base && c.status === "added")).slice(0, 500)) {
    if (escapesRoot(root, c.path)) continue;
    // `git diff --no-index` exits 1 when files differ, which is always here.
    text += await gitOutput(["diff", "--no-color", "--no-index", "--", "/dev/null", c.path], root, 60_000, env);
  }
  return text;
}

/**
 * The whole redacted text of an inline artifact whose `content` had to be cut at the protocol's
 * limit (a large diff or build log): uploadArtifacts stores all of it. Kept beside the report, not
 * in it, so the complete body never carries it.
 */
const wholeText = new WeakMap<ArtifactReport, string>();

function inline(name: string, kind: string, content: string): ArtifactReport {
  const clean = redact(content);
  const a: ArtifactReport = { name, kind, size: Buffer.byteLength(content) };
  a.content = clean.length > LIMITS.artifactContent ? clean.slice(0, LIMITS.artifactContent) : clean;
  if (clean.length > LIMITS.artifactContent) wholeText.set(a, clean);
  return a;
}

export async function collectArtifacts(input: {
  requested: string[];
  root?: string;
  base?: string;
  changes: Change[];
  buildLog: string;
  /** the workspace's gitEnv: the agent's git directory for this checkout */
  gitEnv?: Record<string, string>;
}): Promise<ArtifactReport[]> {
  const env = input.gitEnv ?? {};
  const out: ArtifactReport[] = [];
  const globs: string[] = [];
  for (const r of input.requested) {
    if (r === "diff") {
      if (input.root) out.push(inline("diff", "diff", await diffSince(input.root, input.base, input.changes, env)));
    } else if (r === "build-logs") {
      out.push(inline("build-log", "build-logs", input.buildLog));
    } else if (r === "coverage") {
      globs.push("coverage/coverage-summary.json");
    } else if (r === "screenshots") {
      globs.push("screenshots/**/*.png", "**/__screenshots__/**");
    } else {
      globs.push(r);
    }
  }
  if (globs.length && input.root) {
    const match = picomatch(globs.filter((g) => !g.startsWith("/") && !g.split("/").includes("..")), { dot: true });
    const files = (await runGit(["ls-files", "--cached", "--others", "--exclude-standard", "-z"], input.root, 120_000, undefined, env)).split("\0").filter(Boolean);
    for (const f of files.filter((f) => match(f)).slice(0, LIMITS.artifacts - out.length)) {
      if (escapesRoot(input.root, f)) continue;
      const full = path.join(input.root, f);
      let size = 0;
      try {
        size = statSync(full).size;
      } catch {
        continue;
      }
      const a: ArtifactReport = { name: f, kind: "file", size, path: full };
      if (size <= 256 * 1024) {
        const buf = readFileSync(full);
        if (!buf.includes(0)) a.content = redact(buf.toString("utf8"));
      }
      out.push(a);
    }
  }
  return out.slice(0, LIMITS.artifacts);
}

/** Sends one chunk; the coordinator client's uploadArtifactChunk, or a test's. */
export type UploadChunk = (name: string, q: ArtifactUploadQuery, bytes: Uint8Array) => Promise<ArtifactUploadResponse>;

/** Transient failures (network, 5xx) of one chunk are retried this many times, with backoff. */
const CHUNK_TRIES = 5;

/**
 * Uploads each file artifact (a glob match with a `path` in the checkout) to the coordinator's
 * artifact store before the worktree is deleted, and reports it as `stored` with its type instead
 * of a factory path. In 1 MiB chunks read from the file at each offset the coordinator says it
 * holds, so a retried or resumed upload never sends a byte twice. An artifact that cannot be
 * uploaded (a name the store refuses, too large, a refusal) keeps its old report (`path`, inline
 * text) and the reason is noted in the log; losing the lease stops every upload at once.
 */
export async function uploadArtifacts(
  artifacts: ArtifactReport[],
  o: { epoch: number; upload: UploadChunk; note: (msg: string) => void; signal?: AbortSignal; onLeaseLost?: (code: string) => void },
): Promise<ArtifactReport[]> {
  const out: ArtifactReport[] = [];
  let lost = false;
  for (const a of artifacts) {
    const text = wholeText.get(a);
    if (lost || (!text && (!a.path || a.kind !== "file"))) {
      out.push(a);
      continue;
    }
    const problem = artifactNameProblem(a.name);
    if (problem) {
      o.note(`artifact ${a.name} not uploaded: its name ${problem}`);
      out.push(a);
      continue;
    }
    try {
      if (text !== undefined) {
        // The inline part stays for the page's diff view; the whole text is the download.
        const bytes = Buffer.from(text);
        await sendChunks(a.name, bytes.byteLength, "text/plain", (offset, n) => bytes.subarray(offset, offset + n), o);
        out.push({ ...a, stored: true, contentType: "text/plain" });
        continue;
      }
      const type = await uploadFile(a.name, a.path!, o);
      const { path: _where, ...rest } = a;
      out.push({ ...rest, stored: true, contentType: type });
    } catch (e) {
      if (e instanceof LeaseLostError && e.code !== "conflict") {
        lost = true;
        o.onLeaseLost?.(e.code);
      }
      o.note(`artifact ${a.name} not uploaded: ${(e as Error).message}`);
      out.push(a);
    }
  }
  return out;
}

async function uploadFile(name: string, file: string, o: { epoch: number; upload: UploadChunk; signal?: AbortSignal }): Promise<ArtifactContentType> {
  // Never through a symlink (collectArtifacts refused those leaving the checkout; this closes the
  // window between that check and the read), and only a regular file.
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error("not a regular file");
    const size = st.size;
    const head = Buffer.alloc(Math.min(size, 8_192));
    readSync(fd, head, 0, head.length, 0);
    const type = contentTypeFor(name, head);
    const buf = Buffer.alloc(Math.min(Math.max(size, 1), ARTIFACT_CHUNK_BYTES));
    await sendChunks(name, size, type, (offset, want) => {
      const n = readSync(fd, buf, 0, want, offset);
      if (n < want) throw new Error(`${file} shrank while it was uploaded`);
      return buf.subarray(0, n);
    }, o);
    return type;
  } finally {
    closeSync(fd);
  }
}

/**
 * The chunk loop: each chunk starts where the coordinator says it holds (`received`), so a retry
 * whose answer was lost, or a coordinator that already has more, never makes a byte go twice.
 */
async function sendChunks(
  name: string,
  size: number,
  type: ArtifactContentType,
  read: (offset: number, n: number) => Uint8Array,
  o: { epoch: number; upload: UploadChunk; signal?: AbortSignal },
): Promise<void> {
  let offset = 0;
  for (;;) {
    const n = Math.min(ARTIFACT_CHUNK_BYTES, size - offset);
    const chunk = n > 0 ? read(offset, n) : new Uint8Array(0);
    const res = await withRetries(() => o.upload(name, { epoch: o.epoch, offset, size, type }, chunk), o.signal);
    if (res.committed) return;
    if (res.received <= offset && n > 0) throw new Error(`the coordinator holds ${res.received} bytes after a chunk at ${offset}`);
    offset = res.received;
  }
}

async function withRetries<T>(send: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      if (!(e instanceof TransientError) || attempt + 1 >= CHUNK_TRIES || signal?.aborted) throw e;
      await sleep(backoffDelay(attempt, 250, 5_000), signal);
    }
  }
}
