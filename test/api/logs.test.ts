import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main, type CliIo } from "@/server/cli/fleet";
import { startApp, type StartedApp } from "../harness/app";
import { call, jobFile, registerFactory, submitJob, type FactoryClient } from "../harness/factory";

/**
 * Issue 13 item 7 over real HTTP against the built app: GET /jobs/{id}/logs answers the stored,
 * redacted log of every attempt as text/plain, `since` resumes after a chunk position (the `<pos>`
 * of the job stream's ids) and is validated, and `fleet logs ID` prints it for a finished job.
 */
let app: StartedApp;
let factory: FactoryClient;
let dir: string;
const TOKEN = "ghp_" + "Zq8XwP4kLm2N9vBt".repeat(3).slice(0, 36);

beforeAll(async () => {
  app = await startApp();
  factory = await registerFactory(app.url, app.enrollmentToken);
  dir = mkdtempSync(path.join(os.tmpdir(), "gf-logs-"));
});
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const logsUrl = (id: string, query = "") => `${app.url}/api/fleet/jobs/${encodeURIComponent(id)}/logs${query}`;

/** One attempt of the job that is next in the queue: its log chunks as sent, then complete. */
async function runAttempt(chunks: { stream: "stdout" | "stderr"; text: string }[], outcome: "succeeded" | "failed" = "succeeded") {
  const { status, body } = await factory.claim({ waitMs: 10_000 });
  expect(status).toBe(200);
  const events = chunks.map((c, i) => ({ seq: i + 1, type: "log", ...c }));
  expect((await factory.events(body.lease.id, body.lease.epoch, events)).status).toBeLessThan(300);
  expect((await factory.complete(body.lease.id, body.lease.epoch, { outcome, exitCode: outcome === "succeeded" ? 0 : 1 })).status).toBe(200);
  return body.lease as { id: string; epoch: number };
}

/** The `<pos>` of each run:log message of the job stream, in order (read until `count` arrived). */
async function streamPositions(id: string, count: number): Promise<number[]> {
  const ctl = new AbortController();
  const res = await fetch(`${app.url}/api/fleet/jobs/${encodeURIComponent(id)}/stream`, {
    headers: { authorization: `Bearer ${app.adminToken}`, accept: "text/event-stream" },
    signal: ctl.signal,
  });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const positions: number[] = [];
  try {
    while (positions.length < count) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      positions.length = 0;
      for (const block of text.split("\n\n")) {
        const idLine = /^id: \d+\.(\d+)$/m.exec(block);
        if (idLine && /^event: run:log$/m.test(block)) positions.push(Number(idLine[1]));
      }
    }
  } finally {
    ctl.abort();
  }
  return positions;
}

describe("GET /api/fleet/jobs/{id}/logs", () => {
  let id: string;

  beforeAll(async () => {
    id = (await submitJob(app.url, app.adminToken, jobFile({ title: "logs as text", manifest: { retry: "{ max: 1, backoff: 1s, on: [agent_failed] }" } }))).id;
    await runAttempt([
      { stream: "stdout", text: "attempt one\n" },
      { stream: "stderr", text: `token ${TOKEN} leaked\n` },
    ], "failed");
    // retry.max 1: the failure goes back to the queue for a second attempt after a 1 s backoff.
    await runAttempt([
      { stream: "stdout", text: "attempt two\n" },
      { stream: "stdout", text: "\u001b]0;title\u0007 done <b>not html</b>\n" },
    ]);
  });

  it("answers the stored, redacted log of every attempt, in order, as text/plain", async () => {
    const r = await fetch(logsUrl(id), { headers: { authorization: `Bearer ${app.adminToken}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    const text = await r.text();
    expect(text).toBe(`attempt one\ntoken [REDACTED:github-token] leaked\nattempt two\n\u001b]0;title\u0007 done <b>not html</b>\n`);
    expect(text).not.toContain(TOKEN);
  });

  it("since=POS answers only what comes after that chunk (positions from the job stream)", async () => {
    const positions = await streamPositions(id, 4);
    expect(positions).toHaveLength(4);
    const after = async (pos: number) => (await call<string>(logsUrl(id, `?since=${pos}`), { token: app.adminToken })).body;
    expect(await after(positions[0]!)).toBe("token [REDACTED:github-token] leaked\nattempt two\n\u001b]0;title\u0007 done <b>not html</b>\n");
    expect(await after(positions[1]!)).toBe("attempt two\n\u001b]0;title\u0007 done <b>not html</b>\n");
    expect(await after(positions[3]!)).toBe("");
    expect(await after(0)).toContain("attempt one");
  });

  it("refuses a since that is not a position, naming the field; 404 for an unknown job; 401 without a token", async () => {
    for (const bad of ["-1", "1e3", "0x10", "%201", "abc", "", "12345678901234567"]) {
      const r = await call(logsUrl(id, `?since=${bad}`), { token: app.adminToken });
      expect(r.status, `since=${bad}`).toBe(400);
      expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(r.body.errors, `since=${bad}`).toEqual([expect.objectContaining({ path: "since", message: expect.stringMatching(/since/) })]);
    }
    const missing = await call(logsUrl("j_nope"), { token: app.adminToken });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("not_found");
    expect((await call(logsUrl(id))).status).toBe(401);
  });

  it("is declared in the generated OpenAPI document as text/plain with its since parameter", async () => {
    const doc = (await call(`${app.url}/api/fleet/openapi.json`)).body;
    const op = doc.paths["/api/fleet/jobs/{id}/logs"].get;
    expect(Object.keys(op.responses["200"].content)).toEqual(["text/plain"]);
    expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "since", in: "query", required: false })]));
  });

  it("fleet logs ID prints it for a finished job, with or without -f", async () => {
    const fleet = async (args: string[], tty = false) => {
      let out = "";
      let err = "";
      const io: CliIo = {
        stdout: (t) => void (out += t),
        stderr: (t) => void (err += t),
        cwd: dir,
        env: { FLEET_SERVER: app.url, FLEET_TOKEN: app.adminToken },
        stdoutIsTty: tty,
      };
      return { code: await main(args, io), out, err };
    };
    const plain = await fleet(["logs", id]);
    expect(plain).toMatchObject({ code: 0, err: "" });
    expect(plain.out).toBe(`attempt one\ntoken [REDACTED:github-token] leaked\nattempt two\n\u001b]0;title\u0007 done <b>not html</b>\n`);
    // -f on a job that has finished prints the stored log and returns instead of waiting.
    const followed = await fleet(["logs", "-f", id]);
    expect(followed).toMatchObject({ code: 0, out: plain.out });
    // On a terminal, the title sequence is shown, not obeyed.
    const tty = await fleet(["logs", id], true);
    expect(tty.out).toContain("\ufffd]0;title\ufffd done");
    expect(tty.out).not.toContain("\u001b]");
    const unknown = await fleet(["logs", "j_nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/404: no job j_nope/);
  });
});
