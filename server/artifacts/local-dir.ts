import "server-only";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { randomBytes } from "node:crypto";
import { artifactContentType } from "@/lib/artifacts";
import { StagedOffsetError, type ArtifactStore, type StoredArtifact, type StoredMeta } from "./port";

/**
 * The default artifact store: a directory (FLEET_ARTIFACTS, default `<data dir>/artifacts`).
 *
 *   staging/<uploadId>     an upload in progress (appended in order)
 *   data/<key>             a committed artifact's bytes
 *   meta/<key>.json        its metadata, written before the bytes are renamed into place
 *   tmp/                   files being written, renamed into data/ or meta/ when whole
 *
 * A committed artifact is the existence of data/<key>: put() writes the bytes to a temporary file
 * and renames it there, so a reader sees the whole artifact or none. Keys and upload ids are built
 * by uploads.ts from validated names (lib/artifacts.ts); `inside` refuses anything that would still
 * leave the root.
 *
 * Appends to one staged upload are serialized within this process (`appending`): two requests for
 * the same chunk (an agent's retry racing the original) must not both pass the length check.
 */
export class LocalDirArtifactStore implements ArtifactStore {
  readonly kind = "local" as const;
  private readonly appending = new Map<string, Promise<unknown>>();

  constructor(readonly where: string) {}

  /** `<root>/<area>/<rel>`, refused when `rel` would leave the area (or name the area itself). */
  private inside(area: "staging" | "data" | "meta" | "tmp", rel = ""): string {
    const base = path.resolve(this.where, area);
    const full = path.resolve(base, rel);
    if (rel && !full.startsWith(base + path.sep)) throw new Error(`artifact path escapes the store: ${area}/${rel}`);
    return full;
  }

  private staged(uploadId: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(uploadId)) throw new Error("bad upload id");
    return this.inside("staging", uploadId);
  }

  async stagedBytes(uploadId: string): Promise<number> {
    try {
      return (await stat(this.staged(uploadId))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw e;
    }
  }

  appendStaged(uploadId: string, offset: number, bytes: Uint8Array): Promise<number> {
    const prev = this.appending.get(uploadId) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.appendNow(uploadId, offset, bytes));
    this.appending.set(uploadId, next);
    void next.finally(() => {
      if (this.appending.get(uploadId) === next) this.appending.delete(uploadId);
    }).catch(() => undefined);
    return next;
  }

  private async appendNow(uploadId: string, offset: number, bytes: Uint8Array): Promise<number> {
    const file = this.staged(uploadId);
    await mkdir(path.dirname(file), { recursive: true });
    const fh = await open(file, "a+");
    try {
      const { size } = await fh.stat();
      if (size !== offset) throw new StagedOffsetError(size);
      if (bytes.byteLength) await fh.write(bytes, 0, bytes.byteLength, null);
      return size + bytes.byteLength;
    } finally {
      await fh.close();
    }
  }

  async readStaged(uploadId: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.staged(uploadId)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Uint8Array(0);
      throw e;
    }
  }

  async discardStaged(uploadId: string): Promise<void> {
    await rm(this.staged(uploadId), { force: true });
  }

  async pruneStaged(before: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.inside("staging"));
    } catch {
      return 0;
    }
    let removed = 0;
    for (const name of names) {
      const file = this.inside("staging", name);
      try {
        if ((await stat(file)).mtimeMs < before) {
          await rm(file, { force: true });
          removed++;
        }
      } catch {
        // gone meanwhile
      }
    }
    return removed;
  }

  async put(key: string, bytes: Uint8Array, meta: StoredMeta): Promise<void> {
    const data = this.inside("data", key);
    const metaFile = this.inside("meta", `${key}.json`);
    await mkdir(path.dirname(data), { recursive: true });
    await mkdir(path.dirname(metaFile), { recursive: true });
    await mkdir(this.inside("tmp"), { recursive: true });
    const tmp = this.inside("tmp", randomBytes(8).toString("hex"));
    // The metadata first: once data/<key> exists, its metadata is there (replaced in one rename too).
    const metaTmp = this.inside("tmp", randomBytes(8).toString("hex"));
    await writeFile(metaTmp, JSON.stringify(meta));
    await rename(metaTmp, metaFile);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, data);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async stat(key: string): Promise<StoredMeta | undefined> {
    try {
      await stat(this.inside("data", key));
      const raw = JSON.parse(await readFile(this.inside("meta", `${key}.json`), "utf8")) as StoredMeta;
      // A metadata file edited by hand must not make the route serve a type off the allow-list.
      return { ...raw, contentType: artifactContentType.catch("application/octet-stream").parse(raw.contentType) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  async open(key: string): Promise<StoredArtifact | undefined> {
    const meta = await this.stat(key);
    if (!meta) return undefined;
    const body = Readable.toWeb(createReadStream(this.inside("data", key))) as ReadableStream<Uint8Array>;
    return { meta, body };
  }

  async usage(prefix: string): Promise<number> {
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await walk(full);
        else total += (await stat(full).catch(() => ({ size: 0 }))).size;
      }
    };
    await walk(this.inside("data", prefix));
    return total;
  }
}
