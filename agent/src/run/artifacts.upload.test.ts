import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import type { ArtifactUploadQuery, ArtifactUploadResponse } from "@/lib/artifacts";
import type { ArtifactReport } from "@/lib/protocol";
import { LeaseLostError, TransientError } from "../net/errors";
import { collectArtifacts, uploadArtifacts, type UploadChunk } from "./artifacts";

/**
 * The agent's side of the upload protocol (lib/artifacts.ts), against a receiver that keeps the
 * bytes as the coordinator does (append at `received`, commit at `size`) and can be told to fail.
 * The real route and stores are exercised by agent/test/agent.artifacts*.test.ts.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), "gf-upload-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function receiver(fail: (call: number, q: ArtifactUploadQuery) => Error | undefined = () => undefined) {
  const held = new Map<string, Buffer>();
  const calls: ArtifactUploadQuery[] = [];
  const upload: UploadChunk = async (name, q, bytes) => {
    calls.push(q);
    const err = fail(calls.length, q);
    if (err) throw err;
    const have = held.get(name) ?? Buffer.alloc(0);
    if (q.offset > have.length) throw new Error("gap");
    const next = Buffer.concat([have, Buffer.from(bytes).subarray(have.length - q.offset)]);
    held.set(name, next);
    const res: ArtifactUploadResponse = { name, received: next.length, size: q.size, committed: next.length === q.size, contentType: q.type };
    return res;
  };
  return { upload, held, calls };
}

function file(name: string, bytes: Buffer): ArtifactReport {
  const full = path.join(dir, name.replace(/\//g, "_"));
  writeFileSync(full, bytes);
  return { name, kind: "file", size: bytes.length, path: full };
}

const notes: string[] = [];
const note = (m: string) => notes.push(m);

it("uploads in 1 MiB chunks, retries a transient failure, and reports stored with the type, not the path", async () => {
  const big = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2_500_000, 7)]);
  const r = receiver((n) => (n === 2 ? new TransientError("503") : undefined));
  const out = await uploadArtifacts([file("shots/a.png", big), { name: "diff", kind: "diff", size: 3, content: "abc" }], { epoch: 3, upload: r.upload, note });
  expect(out).toEqual([
    { name: "shots/a.png", kind: "file", size: big.length, stored: true, contentType: "image/png" },
    { name: "diff", kind: "diff", size: 3, content: "abc" },
  ]);
  expect(r.held.get("shots/a.png")!.equals(big)).toBe(true);
  expect(r.calls.map((c) => c.offset)).toEqual([0, 1_048_576, 1_048_576, 2_097_152]);
  expect(r.calls.every((c) => c.epoch === 3 && c.size === big.length)).toBe(true);
});

it("a text file without a known extension goes as text/plain, a binary one as octet-stream; an empty file commits too", async () => {
  const r = receiver();
  const out = await uploadArtifacts([file("notes", Buffer.from("hello\n")), file("blob", Buffer.from([0, 1, 2])), file("empty.txt", Buffer.alloc(0))], { epoch: 1, upload: r.upload, note });
  expect(out.map((a) => a.contentType)).toEqual(["text/plain", "application/octet-stream", "text/plain"]);
  expect(out.every((a) => a.stored && !a.path)).toBe(true);
});

it("a name the store refuses, a symlink, or a refusal keeps the old report and says why; a lost lease stops the rest", async () => {
  notes.length = 0;
  const target = file("target.png", Buffer.from("x"));
  const link = path.join(dir, "link.png");
  symlinkSync(target.path!, link);
  const lostAt = receiver((_n, q) => (q.size === 4 ? new LeaseLostError("L.f-1.j-1.aa", "lease_lost") : undefined));
  let lost = "";
  const out = await uploadArtifacts(
    [file(".hidden.png", Buffer.from("x")), { name: "link.png", kind: "file", size: 1, path: link }, file("lost.bin", Buffer.from("abcd")), file("after.bin", Buffer.from("z"))],
    { epoch: 1, upload: lostAt.upload, note, onLeaseLost: (c) => (lost = c) },
  );
  expect(out.map((a) => Boolean(a.stored))).toEqual([false, false, false, false]);
  expect(out.every((a) => a.path)).toBe(true);
  expect(lost).toBe("lease_lost");
  expect(notes[0]).toMatch(/^artifact \.hidden\.png not uploaded: its name segment/);
  expect(notes[1]).toMatch(/^artifact link\.png not uploaded: .*ELOOP/);
  expect(notes[2]).toMatch(/^artifact lost\.bin not uploaded: lease/);
  // nothing was sent after the lease was lost
  expect(lostAt.calls.map((c) => c.size)).toEqual([4]);
});

it("an inline artifact cut at the protocol's limit (a large build log) is stored whole, redacted, and keeps its inline part", async () => {
  const secret = "ghp_" + "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8";
  const log = `start ${secret}\n` + "x".repeat(1_500_000) + "\nend\n";
  const [report] = await collectArtifacts({ requested: ["build-logs"], changes: [], buildLog: log });
  expect(report!.content!.length).toBe(1_048_576);
  const small = (await collectArtifacts({ requested: ["build-logs"], changes: [], buildLog: "short" }))[0]!;
  const r = receiver();
  const out = await uploadArtifacts([report!, small], { epoch: 1, upload: r.upload, note });
  expect(out[0]).toMatchObject({ name: "build-log", kind: "build-logs", stored: true, contentType: "text/plain" });
  expect(out[0]!.content).toBe(report!.content);
  const stored = r.held.get("build-log")!.toString();
  expect(stored.endsWith("\nend\n")).toBe(true);
  expect(stored).not.toContain(secret);
  // a small one fits inline: nothing to upload
  expect(out[1]).toEqual(small);
  expect(r.held.has("build-log") && r.held.size).toBe(1);
});
