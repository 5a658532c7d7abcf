import "server-only";
import { createReadStream, createWriteStream, linkSync, rmSync } from "node:fs";
import { once } from "node:events";
import { createGunzip, createGzip } from "node:zlib";
import { ArchiveError, MAX_LINE_BYTES } from "./archive-format";

/**
 * The bytes of an archive file: gzip (node:zlib) of UTF-8 JSON lines. Reading yields one line at a
 * time with a hard cap on its length, so a hostile file (one endless line, a gzip bomb) costs at
 * most MAX_LINE_BYTES of memory, never the whole file. Writing goes to `FILE.partial-<pid>` opened
 * with `wx` (no existing file or symlink is followed) and mode 0600 (prompts and logs are private),
 * linked as FILE only once everything is written: a failed or interrupted archive leaves no FILE.
 */
export async function* readArchiveLines(file: string): AsyncGenerator<string> {
  const gunzip = createGunzip();
  const input = createReadStream(file);
  input.on("error", (e) => gunzip.destroy(e));
  input.pipe(gunzip);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  let line = 1;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new ArchiveError(`line ${line}: (line): not UTF-8 text`);
      }
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
        const piece = pending + text.slice(start, nl);
        pending = "";
        start = nl + 1;
        if (Buffer.byteLength(piece) > MAX_LINE_BYTES) throw tooLong(line);
        line++;
        yield piece;
      }
      pending += text.slice(start);
      if (pending.length > MAX_LINE_BYTES) throw tooLong(line);
    }
    try {
      pending += decoder.decode();
    } catch {
      throw new ArchiveError(`line ${line}: (line): not UTF-8 text`);
    }
    if (pending !== "") yield pending;
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new ArchiveError(`${file}: no such file`);
    if (code === "Z_DATA_ERROR" || code === "Z_BUF_ERROR") throw new ArchiveError(`${file}: not a gzip file, or a damaged one (${(e as Error).message}); near line ${line}`);
    throw e;
  } finally {
    input.destroy();
    gunzip.destroy();
  }
}

function tooLong(line: number): ArchiveError {
  return new ArchiveError(`line ${line}: (line): longer than ${MAX_LINE_BYTES} bytes`);
}

export interface ArchiveWriter {
  write(value: unknown): Promise<void>;
  /** flushes, closes and renames into place */
  commit(): Promise<void>;
  /** removes the partial file */
  abort(): void;
}

export async function openArchiveWriter(file: string): Promise<ArchiveWriter> {
  const partial = `${file}.partial-${process.pid}`;
  const out = createWriteStream(partial, { flags: "wx", mode: 0o600 });
  await once(out, "open");
  const gzip = createGzip();
  gzip.pipe(out);
  let failed: Error | undefined;
  const onError = (e: Error) => {
    failed ??= e;
  };
  gzip.on("error", onError);
  out.on("error", onError);
  return {
    async write(value) {
      if (failed) throw failed;
      if (!gzip.write(`${JSON.stringify(value)}\n`)) await once(gzip, "drain");
    },
    async commit() {
      if (failed) throw failed;
      gzip.end();
      await once(out, "close");
      if (failed) throw failed;
      // link, not rename: a FILE that appeared meanwhile is refused (EEXIST), never overwritten
      linkSync(partial, file);
      rmSync(partial, { force: true });
    },
    abort() {
      gzip.destroy();
      out.destroy();
      rmSync(partial, { force: true });
    },
  };
}
