import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContainerClient, ContainerSASPermissions, StorageSharedKeyCredential } from "@azure/storage-blob";
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite, type StartedAzurite } from "@/test/harness/azurite";
import { AzureBlobArtifactStore } from "./azure-blob";
import { LocalDirArtifactStore } from "./local-dir";
import { StagedOffsetError, type ArtifactStore, type StoredMeta } from "./port";

/**
 * One contract for both artifact stores: the directory under the data dir and an Azure Blob
 * container on a real Azurite (started here as a child process). Staging is ordered and invisible;
 * put() is visible whole at once; usage() counts committed bytes only.
 */
let azurite: StartedAzurite;
const dirs: string[] = [];
let n = 0;

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const providers: [string, () => Promise<ArtifactStore>][] = [
  [
    "local directory",
    async () => {
      const d = mkdtempSync(path.join(os.tmpdir(), "gf-artifacts-"));
      dirs.push(d);
      return new LocalDirArtifactStore(d);
    },
  ],
  [
    "Azure Blob (Azurite)",
    async () => {
      const s = new AzureBlobArtifactStore(azurite.containerUrl(`contract-${++n}`), azurite.connectionString);
      await s.ensureContainer();
      return s;
    },
  ],
  [
    "Azure Blob with a container SAS token (Azurite)",
    async () => {
      // The container exists (created with the account key); the store itself holds only the SAS.
      const admin = new AzureBlobArtifactStore(azurite.containerUrl(`contract-${++n}`), azurite.connectionString);
      await admin.ensureContainer();
      const sas = await new ContainerClient(admin.where, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)).generateSasUrl({
        permissions: ContainerSASPermissions.parse("racwdl"),
        expiresOn: new Date(Date.now() + 3_600_000),
      });
      const s = new AzureBlobArtifactStore(sas);
      expect(s.where).toBe(admin.where);
      await s.ensureContainer();
      return s;
    },
  ],
];

const uid = (c: string) => c.repeat(64);
const meta = (bytes: Uint8Array, over: Partial<StoredMeta> = {}): StoredMeta => ({
  contentType: "image/png",
  size: bytes.byteLength,
  sha256: "ab".repeat(32),
  uploadId: uid("a"),
  declaredSize: bytes.byteLength,
  ...over,
});

async function readAll(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body as unknown as AsyncIterable<Uint8Array>) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe.each(providers)("artifact store contract: %s", (_name, make) => {
  it("stages in order, refuses an append at the wrong offset, and reads back exactly what was staged", async () => {
    const s = await make();
    const id = uid("b");
    expect(await s.stagedBytes(id)).toBe(0);
    expect(await s.appendStaged(id, 0, Buffer.from("hello "))).toBe(6);
    await expect(s.appendStaged(id, 3, Buffer.from("x"))).rejects.toEqual(new StagedOffsetError(6));
    await expect(s.appendStaged(id, 7, Buffer.from("x"))).rejects.toBeInstanceOf(StagedOffsetError);
    expect(await s.appendStaged(id, 6, Buffer.from("world"))).toBe(11);
    expect(Buffer.from(await s.readStaged(id)).toString()).toBe("hello world");
    // Staging is not an artifact: nothing is visible or counted.
    expect(await s.usage("")).toBe(0);
    await s.discardStaged(id);
    expect(await s.stagedBytes(id)).toBe(0);
  });

  it("two appends racing at one offset: exactly one lands", async () => {
    const s = await make();
    const id = uid("c");
    await s.appendStaged(id, 0, Buffer.from("0123"));
    const results = await Promise.allSettled([s.appendStaged(id, 4, Buffer.from("ab")), s.appendStaged(id, 4, Buffer.from("ab"))]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(Buffer.from(await s.readStaged(id)).toString()).toBe("0123ab");
  });

  it("put makes an artifact visible with its metadata; open streams the very bytes; usage counts by prefix", async () => {
    const s = await make();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
    expect(await s.stat("j-1/L.f-1.j-1.aa/shot.png")).toBeUndefined();
    expect(await s.open("j-1/L.f-1.j-1.aa/shot.png")).toBeUndefined();
    await s.put("j-1/L.f-1.j-1.aa/shot.png", png, meta(png));
    await s.put("j-1/L.f-1.j-1.aa/dir/notes.txt", Buffer.from("abc"), meta(Buffer.from("abc"), { contentType: "text/plain" }));
    await s.put("j-2/L.f-1.j-2.aa/other.png", png, meta(png));
    const st = await s.stat("j-1/L.f-1.j-1.aa/shot.png");
    expect(st).toEqual(meta(png));
    const opened = await s.open("j-1/L.f-1.j-1.aa/shot.png");
    expect(opened!.meta.contentType).toBe("image/png");
    expect((await readAll(opened!.body)).equals(png)).toBe(true);
    expect(await s.usage("j-1/")).toBe(png.byteLength + 3);
    expect(await s.usage("j-2/")).toBe(png.byteLength);
    expect(await s.usage("j-3/")).toBe(0);
  });

  it("pruneStaged removes only uploads older than the cut-off", async () => {
    const s = await make();
    await s.appendStaged(uid("d"), 0, Buffer.from("old"));
    expect(await s.pruneStaged(Date.now() - 3_600_000)).toBe(0);
    expect(await s.pruneStaged(Date.now() + 60_000)).toBe(1);
    expect(await s.stagedBytes(uid("d"))).toBe(0);
  });
});

it("the local store keeps nothing half-written: only staging, data and meta, no temp files left", async () => {
  const d = mkdtempSync(path.join(os.tmpdir(), "gf-artifacts-"));
  dirs.push(d);
  const s = new LocalDirArtifactStore(d);
  await s.put("j-1/L.f-1.j-1.aa/a.png", Buffer.from("x"), meta(Buffer.from("x")));
  expect(readdirSync(path.join(d, "tmp"))).toEqual([]);
  await expect(s.put("../escape", Buffer.from("x"), meta(Buffer.from("x")))).rejects.toThrow(/escapes/);
});
