import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as factoriesRoute from "@/app/api/fleet/factories/route";
import * as jobArtifactRoute from "@/app/api/fleet/jobs/[id]/artifacts/[...name]/route";
import * as jobRoute from "@/app/api/fleet/jobs/[id]/route";
import * as jobsRoute from "@/app/api/fleet/jobs/route";
import * as leaseArtifactRoute from "@/app/api/fleet/leases/[id]/artifacts/[...name]/route";
import * as completeRoute from "@/app/api/fleet/leases/[id]/complete/route";
import * as claimRoute from "@/app/api/fleet/leases/claim/route";
import { jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";
import { startInProcess, type InProcessApp } from "../harness/in-process";

/**
 * Artifact upload and download over real HTTP against the app's handlers, a real SQLite store and
 * the local artifact directory: chunked and resumable, committed atomically, fenced by the lease,
 * every bad input refused with the field named and nothing left behind.
 */
const MAX = 100_000;
const JOB_MAX = 150_000;
let app: InProcessApp;
let factory: FactoryClient;
let artifactsDir: string;

beforeAll(async () => {
  artifactsDir = mkdtempSync(path.join(os.tmpdir(), "gf-artifacts-api-"));
  app = await startInProcess(
    { FLEET_ARTIFACTS: artifactsDir, FLEET_ARTIFACT_MAX_BYTES: String(MAX), FLEET_ARTIFACT_JOB_MAX_BYTES: String(JOB_MAX) },
    [factoriesRoute, jobsRoute, jobRoute, claimRoute, completeRoute, leaseArtifactRoute, jobArtifactRoute],
  );
  factory = await registerFactory(app.url, app.enrollmentToken, { name: "art-1" });
});
afterAll(async () => {
  await app?.stop();
  rmSync(artifactsDir, { recursive: true, force: true });
});

function png(bytes: number): Buffer {
  const b = Buffer.alloc(bytes);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b);
  for (let i = 8; i < bytes; i++) b[i] = (i * 7919) % 256;
  return b;
}

async function claimJob(): Promise<{ jobId: string; leaseId: string; epoch: number }> {
  const job = await submitJob(app.url, app.adminToken, jobFile({ title: "artifacts" }));
  const c = await factory.claim();
  expect(c.status).toBe(200);
  expect(c.body.lease.jobId).toBe(job.id);
  return { jobId: job.id, leaseId: c.body.lease.id, epoch: c.body.lease.epoch };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function put(leaseId: string, name: string, q: Record<string, string | number>, body: Uint8Array, opts: { token?: string; contentType?: string } = {}): Promise<{ status: number; body: any }> {
  const qs = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));
  const r = await fetch(`${app.url}/api/fleet/leases/${leaseId}/artifacts/${encodeURIComponent(name)}?${qs}`, {
    method: "PUT",
    headers: { ...(opts.token === "" ? {} : { authorization: `Bearer ${opts.token ?? factory.token}` }), "content-type": opts.contentType ?? "application/octet-stream" },
    body: new Uint8Array(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

async function download(jobId: string, name: string, attempt?: number, token = app.adminToken) {
  const r = await fetch(`${app.url}/api/fleet/jobs/${jobId}/artifacts/${encodeURIComponent(name)}${attempt ? `?attempt=${attempt}` : ""}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: r.status, headers: r.headers, bytes: Buffer.from(await r.arrayBuffer()) };
}

/** Every file under the artifact directory (staging, data, meta, tmp). */
function filesUnder(dir = artifactsDir): string[] {
  let out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  for (const n of names) {
    const full = path.join(dir, n);
    out = statSync(full).isDirectory() ? out.concat(filesUnder(full)) : out.concat(path.relative(artifactsDir, full));
  }
  return out;
}

describe("artifact upload and download", () => {
  it("a chunked PNG upload is resumable, invisible until complete, and served byte-identical once the run records it", async () => {
    const { jobId, leaseId, epoch } = await claimJob();
    const image = png(70_000);
    const name = "screenshots/home page.png".replace(" ", "-");
    const q = { epoch, size: image.byteLength, type: "image/png" };

    const first = await put(leaseId, name, { ...q, offset: 0 }, image.subarray(0, 30_000));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ received: 30_000, committed: false, size: 70_000 });
    // A retry of the same chunk (its answer was lost) changes nothing and says where to go on.
    const again = await put(leaseId, name, { ...q, offset: 0 }, image.subarray(0, 30_000));
    expect(again.body).toMatchObject({ received: 30_000, committed: false });
    // A gap is refused, naming the field and the offset to resume from.
    const gap = await put(leaseId, name, { ...q, offset: 40_000 }, image.subarray(40_000, 50_000));
    expect(gap.status).toBe(400);
    expect(gap.body.errors).toEqual([{ path: "offset", message: "at most 30000 (the bytes received so far)" }]);
    // Half-written: nothing visible, nothing committed.
    expect(filesUnder().filter((f) => !f.startsWith("staging/"))).toEqual([]);

    // An overlapping chunk adds only its new tail.
    const second = await put(leaseId, name, { ...q, offset: 20_000 }, image.subarray(20_000, 50_000));
    expect(second.body).toMatchObject({ received: 50_000, committed: false });
    const last = await put(leaseId, name, { ...q, offset: 50_000 }, image.subarray(50_000));
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    expect(last.body).toMatchObject({ received: 70_000, committed: true, storedSize: 70_000, contentType: "image/png" });
    expect(filesUnder().filter((f) => f.startsWith("staging/") || f.startsWith("tmp/"))).toEqual([]);
    // The retried final chunk is answered from what is stored.
    expect((await put(leaseId, name, { ...q, offset: 50_000 }, image.subarray(50_000))).body).toMatchObject({ committed: true, sha256: last.body.sha256 });

    // Stored but not yet recorded by the run: not served.
    expect((await download(jobId, name)).status).toBe(404);
    const done = await factory.complete(leaseId, epoch, {
      outcome: "succeeded",
      exitCode: 0,
      artifacts: [{ name, kind: "file", size: image.byteLength, stored: true, contentType: "image/png" }],
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    const got = await download(jobId, name);
    expect(got.status).toBe(200);
    expect(got.bytes.equals(image)).toBe(true);
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.headers.get("content-disposition")).toBe('inline; filename="home-page.png"');
    expect(got.headers.get("content-security-policy")).toContain("sandbox");
    expect((await download(jobId, name, 1)).bytes.equals(image)).toBe(true);
    expect((await download(jobId, name, 2)).status).toBe(404);
    expect((await download(jobId, "screenshots/other.png")).status).toBe(404);
    expect((await download(jobId, name, undefined, "")).status).toBe(401);
  });

  it("text is redacted before it is stored, and offered as a download, never rendered", async () => {
    const { jobId, leaseId, epoch } = await claimJob();
    const secret = "ghp_" + "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8";
    const text = Buffer.from(`<html><script>alert(1)</script> token=${secret}\n`);
    const r = await put(leaseId, "report.html", { epoch, offset: 0, size: text.byteLength, type: "text/plain" }, text);
    expect(r.body).toMatchObject({ committed: true });
    // Declared as octet-stream, text is redacted all the same.
    const sneaky = Buffer.from(`key: ${secret}`);
    expect((await put(leaseId, "blob.bin", { epoch, offset: 0, size: sneaky.byteLength, type: "application/octet-stream" }, sneaky)).body).toMatchObject({ committed: true });
    await factory.complete(leaseId, epoch, {
      outcome: "succeeded",
      exitCode: 0,
      artifacts: [
        { name: "report.html", kind: "file", size: text.byteLength, stored: true, contentType: "text/plain" },
        { name: "blob.bin", kind: "file", size: sneaky.byteLength, stored: true, contentType: "application/octet-stream" },
      ],
    });
    const got = await download(jobId, "report.html");
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(got.headers.get("content-disposition")).toBe('attachment; filename="report.html"');
    expect(got.bytes.toString()).not.toContain(secret);
    expect(got.bytes.toString()).toContain("<script>");
    const bin = await download(jobId, "blob.bin");
    expect(bin.headers.get("content-type")).toBe("application/octet-stream");
    expect(bin.bytes.toString()).not.toContain(secret);
  });

  it("bad input is refused with the field named, and leaves nothing behind", async () => {
    const { jobId, leaseId, epoch } = await claimJob();
    const other = await registerFactory(app.url, app.enrollmentToken, { name: "art-other" });
    const image = png(1_000);
    const before = filesUnder().sort();
    const ok = { epoch, offset: 0, size: image.byteLength, type: "image/png" };
    const cases: [string, Promise<{ status: number; body: { errors?: { path: string }[]; code?: string } }>, number, string | undefined][] = [
      ["traversal", put(leaseId, "../../etc/passwd", ok, image), 400, "name"],
      ["dot segment", put(leaseId, "a/./b.png", ok, image), 400, "name"],
      ["hidden file", put(leaseId, ".env", ok, image), 400, "name"],
      ["too long", put(leaseId, "a".repeat(300), ok, image), 400, "name"],
      ["oversized", put(leaseId, "big.png", { ...ok, size: MAX + 1 }, image), 413, "size"],
      ["past the size", put(leaseId, "x.png", { ...ok, size: 10 }, image), 400, "offset"],
      ["unknown type", put(leaseId, "x.html", { ...ok, type: "text/html" }, image), 400, "type"],
      ["svg", put(leaseId, "x.svg", { ...ok, type: "image/svg+xml" }, image), 400, "type"],
      ["not a png", put(leaseId, "fake.png", { ...ok, size: 5 }, Buffer.from("hello")), 400, "type"],
      ["no epoch", put(leaseId, "x.png", { offset: 0, size: 3, type: "image/png" }, image), 400, "epoch"],
      ["wrong epoch", put(leaseId, "x.png", { ...ok, epoch: epoch + 1 }, image), 409, undefined],
      ["body type", put(leaseId, "x.png", ok, image, { contentType: "application/json" }), 415, "(header)"],
      ["a person's token", put(leaseId, "x.png", ok, image, { token: app.adminToken }), 403, undefined],
      ["another factory's token", put(leaseId, "x.png", ok, image, { token: other.token }), 403, undefined],
      ["no token", put(leaseId, "x.png", ok, image, { token: "" }), 401, undefined],
    ];
    for (const [what, pending, status, field] of cases) {
      const r = await pending;
      expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(status);
      if (field) expect(r.body.errors?.map((e) => e.path), what).toContain(field);
    }
    expect((await put(leaseId, "x.png", { ...ok, epoch: epoch + 1 }, image)).body.code).toBe("lease_lost");
    // Nothing staged or stored by any of them (the refused PNG's staging is discarded too).
    expect(filesUnder().sort()).toEqual(before);
    expect((await download(jobId, "fake.png")).status).toBe(404);
    expect((await download(jobId, "..%2F..%2Fetc%2Fpasswd")).status).toBe(400);
  });

  it("a job's artifacts together are capped, at the start of an upload", async () => {
    const { leaseId, epoch } = await claimJob();
    const a = png(90_000);
    expect((await put(leaseId, "a.png", { epoch, offset: 0, size: a.byteLength, type: "image/png" }, a)).body).toMatchObject({ committed: true });
    const r = await put(leaseId, "b.png", { epoch, offset: 0, size: a.byteLength, type: "image/png" }, a.subarray(0, 10));
    expect(r.status).toBe(413);
    expect(r.body.errors).toEqual([{ path: "size", message: `at most ${JOB_MAX - 90_000} more bytes for this job` }]);
  });

  it("after the lease is gone, uploads are fenced", async () => {
    const { leaseId, epoch } = await claimJob();
    await factory.complete(leaseId, epoch, { outcome: "succeeded", exitCode: 0 });
    const r = await put(leaseId, "late.png", { epoch, offset: 0, size: 8, type: "image/png" }, png(8));
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("lease_lost");
  });
});
