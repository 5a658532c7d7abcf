import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run } from "./simulate";

const dir = mkdtempSync(path.join(tmpdir(), "fleet-simulate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

async function fleet(args: string[]) {
  let out = "";
  let err = "";
  const code = await run(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), cwd: dir, env: {} });
  return { code, out, err };
}

const small = {
  factories: [{ name: "lin-1", capabilities: ["os:linux"], stations: [{ engine: "claude", slots: 1 }] }],
  jobs: [
    { id: "a", submitAt: 0, duration: 30, manifest: { engine: "claude" } },
    { id: "b", submitAt: 0, duration: 30, manifest: { engine: "claude", capabilities: ["gpu"] } },
  ],
};

describe("fleet simulate", () => {
  it("prints the side-by-side table by default", async () => {
    write("small.json", small);
    const r = await fleet(["small.json"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^2 jobs on 1 factories \(1 slots\); lower bound 30 s/);
    expect(r.out).toMatch(/makespan \(s\)\s+30\s+30/);
    expect(r.out).toContain("b: no factory has gpu");
  });

  it("prints the report as JSON with --json", async () => {
    const r = await fleet([write("small2.json", small), "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({ makespan: 30, lowerBound: 30, capabilityMisses: 0, fifo: { makespan: 30 } });
    expect(report.unplaceable).toHaveLength(1);
  });

  it("exits 1 naming the path of each problem in a bad trace", async () => {
    const file = write("bad.json", { factories: [], jobs: [{ id: "a", submitAt: "soon", duration: 1 }] });
    const r = await fleet([file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}: factories: `);
    expect(r.err).toContain(`${file}: jobs[0].submitAt: `);
    expect(r.out).toBe("");
  });

  it("exits 1 on unreadable files and invalid JSON, 2 on usage errors", async () => {
    expect(await fleet(["missing.json"])).toMatchObject({ code: 1, err: "missing.json: cannot read: ENOENT\n" });
    expect((await fleet([write("broken.json", "{")])).err).toMatch(/not valid JSON/);
    expect((await fleet([])).code).toBe(2);
    expect((await fleet(["a.json", "--fast"])).err).toMatch(/unknown option --fast/);
    expect(await fleet(["--help"])).toMatchObject({ code: 0, out: "usage: fleet simulate TRACE.json [--json]\n" });
  });
});
