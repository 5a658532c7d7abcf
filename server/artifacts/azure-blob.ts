import "server-only";
import { Readable } from "node:stream";
import { ContainerClient, RestError, StorageSharedKeyCredential } from "@azure/storage-blob";
import { artifactContentType } from "@/lib/artifacts";
import { StagedOffsetError, type ArtifactStore, type StoredArtifact, type StoredMeta } from "./port";

/**
 * Artifacts in an Azure Blob Storage container, for several coordinator instances sharing Cosmos
 * (tested against Azurite: test/harness/azurite.ts).
 *
 *   staging/<uploadId>   an append blob: each chunk is an Append Block conditional on the append
 *                        position (x-ms-blob-condition-appendpos), so a retried or concurrent chunk
 *                        can never be appended twice or out of order, across instances too
 *   data/<key>           a block blob written by one Put Blob (atomic: visible whole or not at all),
 *                        its type in Content-Type and the rest of StoredMeta in its metadata
 *
 * The credential is the SAS token in the container URL, or the account key of
 * AZURE_STORAGE_CONNECTION_STRING; `where` (for logs) never carries the query.
 */
const status = (e: unknown): number | undefined => (e instanceof RestError ? e.statusCode : (e as { statusCode?: number }).statusCode);

function accountKey(connectionString: string): StorageSharedKeyCredential {
  const parts = Object.fromEntries(
    connectionString
      .split(";")
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const at = p.indexOf("=");
        return [p.slice(0, at), p.slice(at + 1)];
      }),
  );
  if (!parts.AccountName || !parts.AccountKey) throw new Error("AZURE_STORAGE_CONNECTION_STRING: needs AccountName and AccountKey");
  return new StorageSharedKeyCredential(parts.AccountName, parts.AccountKey);
}

export class AzureBlobArtifactStore implements ArtifactStore {
  readonly kind = "azure-blob" as const;
  readonly where: string;
  private readonly container: ContainerClient;

  constructor(containerUrl: string, connectionString?: string) {
    const url = new URL(containerUrl);
    this.where = `${url.origin}${url.pathname}`;
    this.container = url.searchParams.has("sig") || !connectionString ? new ContainerClient(containerUrl) : new ContainerClient(this.where, accountKey(connectionString));
  }

  /** Creates the container when the credential may (a container-scoped SAS may not: it must exist then). */
  async ensureContainer(): Promise<void> {
    try {
      await this.container.createIfNotExists();
    } catch (e) {
      if (status(e) !== 403) throw e;
    }
  }

  private staged(uploadId: string) {
    if (!/^[0-9a-f]{16,128}$/.test(uploadId)) throw new Error("bad upload id");
    return this.container.getAppendBlobClient(`staging/${uploadId}`);
  }

  async stagedBytes(uploadId: string): Promise<number> {
    try {
      return (await this.staged(uploadId).getProperties()).contentLength ?? 0;
    } catch (e) {
      if (status(e) === 404) return 0;
      throw e;
    }
  }

  async appendStaged(uploadId: string, offset: number, bytes: Uint8Array): Promise<number> {
    const blob = this.staged(uploadId);
    if (offset === 0) await blob.createIfNotExists();
    if (bytes.byteLength === 0) return offset;
    try {
      await blob.appendBlock(bytes, bytes.byteLength, { conditions: { appendPosition: offset } });
    } catch (e) {
      const s = status(e);
      if (s === 412 || s === 404) throw new StagedOffsetError(await this.stagedBytes(uploadId));
      throw e;
    }
    return offset + bytes.byteLength;
  }

  async readStaged(uploadId: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await this.staged(uploadId).downloadToBuffer());
    } catch (e) {
      if (status(e) === 404) return new Uint8Array(0);
      throw e;
    }
  }

  async discardStaged(uploadId: string): Promise<void> {
    await this.staged(uploadId).deleteIfExists();
  }

  async pruneStaged(before: number): Promise<number> {
    let removed = 0;
    for await (const b of this.container.listBlobsFlat({ prefix: "staging/" })) {
      if (b.properties.lastModified.getTime() < before) {
        await this.container.getBlobClient(b.name).deleteIfExists();
        removed++;
      }
    }
    return removed;
  }

  async put(key: string, bytes: Uint8Array, meta: StoredMeta): Promise<void> {
    await this.container.getBlockBlobClient(`data/${key}`).upload(bytes, bytes.byteLength, {
      blobHTTPHeaders: { blobContentType: meta.contentType },
      metadata: { sha256: meta.sha256, uploadid: meta.uploadId, declaredsize: String(meta.declaredSize) },
    });
  }

  private meta(p: { contentType?: string; contentLength?: number; metadata?: Record<string, string> }): StoredMeta {
    return {
      // Whatever the container says, only an allow-listed type is ever served.
      contentType: artifactContentType.catch("application/octet-stream").parse(p.contentType),
      size: p.contentLength ?? 0,
      sha256: p.metadata?.sha256 ?? "",
      uploadId: p.metadata?.uploadid ?? "",
      declaredSize: Number(p.metadata?.declaredsize ?? p.contentLength ?? 0),
    };
  }

  async stat(key: string): Promise<StoredMeta | undefined> {
    try {
      return this.meta(await this.container.getBlobClient(`data/${key}`).getProperties());
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
  }

  async open(key: string): Promise<StoredArtifact | undefined> {
    try {
      const res = await this.container.getBlobClient(`data/${key}`).download();
      const stream = res.readableStreamBody;
      if (!stream) return undefined;
      return { meta: this.meta(res), body: Readable.toWeb(stream as Readable) as ReadableStream<Uint8Array> };
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
  }

  async usage(prefix: string): Promise<number> {
    let total = 0;
    for await (const b of this.container.listBlobsFlat({ prefix: `data/${prefix}` })) total += b.properties.contentLength ?? 0;
    return total;
  }
}
