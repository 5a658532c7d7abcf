import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS, main, type CliIo } from "./fleet";

const root = path.resolve(__dirname, "../..");
const run = promisify(execFile);

/** Runs the real CLI (bin/fleet.mjs through tsx) as a child process. */
async function fleet(args: string[], cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, "bin/fleet.mjs"), ...args], { cwd, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** The stdout of `validate`: one pretty JSON value per file. */
function jsonStream(stdout: string): { file: string; title: string; manifest: Record<string, unknown>; prompt?: string }[] {
  return stdout.trim() === "" ? [] : stdout.trim().split(/\n(?=\{)/).map((s) => JSON.parse(s));
}

function memoryIo(cwd: string): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    cwd,
    env: {},
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

const tmp = mkdtempSync(path.join(tmpdir(), "fleet-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("fleet (child process)", () => {
  it("validate examples/*.md prints each normalized manifest as JSON and exits 0", async () => {
    const files = readdirSync(path.join(root, "examples"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `examples/${f}`);
    const r = await fleet(["validate", ...files]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = jsonStream(r.stdout);
    expect(out.map((o) => o.file)).toEqual(files);
    const hello = out.find((o) => o.file === "examples/hello-shell.md")!;
    expect(hello.title).toBe("Hello from the shell engine");
    expect(hello.manifest).toMatchObject({ engine: "shell", verify: "test -f hello.txt", timeout: 120_000, priority: "medium" });
  });

  it("a broken file prints FILE: path: message lines on stderr and exits 1", async () => {
    const r = await fleet(["validate", "examples/broken/typo-field.md", "examples/hello-shell.md"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      [
        "examples/broken/typo-field.md: budget.dollars: unknown field `dollars`; did you mean `usd`?",
        "examples/broken/typo-field.md: priorty: unknown field `priorty`; did you mean `priority`?",
        "",
      ].join("\n"),
    );
    expect(jsonStream(r.stdout).map((o) => o.file)).toEqual(["examples/hello-shell.md"]);
  });

  it("every file in examples/broken fails with at least one FILE: path: message line", async () => {
    const r = await fleet(["validate", "examples/broken"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trim().split("\n");
    for (const f of readdirSync(path.join(root, "examples/broken"))) {
      expect(lines.some((l) => l.startsWith(`examples/broken/${f}: `)), f).toBe(true);
    }
    for (const l of lines) expect(l).toMatch(/^examples\/broken\/[\w.-]+\.md: \S+: .+/);
    // the secret example names the field but never repeats the value
    expect(r.stderr).toContain("examples/broken/secret.md: verify: the value looks like an AWS access key");
    expect(r.stderr).not.toContain("AKIA");
  });

  it("--help, <cmd> --help, unknown commands", async () => {
    const help = await fleet(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/usage: fleet <command>/);
    expect(help.stdout).toMatch(/^ {2}validate +check job files/m);
    const sub = await fleet(["validate", "--help"]);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/^usage: fleet validate/);
    const bad = await fleet(["valdate", "x.md"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "valdate"; did you mean `validate`\?/);
  });

  it("works through npx from the package folder", async () => {
    const { stdout } = await promisify(execFile)("npx", ["--no", "fleet", "validate", "-q", "examples/phase-0.md"], { cwd: root, timeout: 60_000 }).catch(
      (e: { stdout?: string; code?: number }) => {
        throw new Error(`npx fleet failed with ${e.code}`);
      },
    );
    expect(stdout).toBe("");
  });
});

describe("fleet main (in process)", () => {
  it("the command table has a summary per command and every module loads", async () => {
    for (const c of COMMANDS) {
      expect(c.summary.length).toBeGreaterThan(5);
      const m = await c.load();
      expect(typeof m.run).toBe("function");
      expect(m.usage).toMatch(new RegExp(`usage: fleet ${c.name}`));
    }
  });

  it("no arguments: the overview on stderr, exit 2; help validate", async () => {
    const io = memoryIo(root);
    expect(await main([], io)).toBe(2);
    expect(io.err).toMatch(/commands:/);
    const io2 = memoryIo(root);
    expect(await main(["help", "validate"], io2)).toBe(0);
    expect(io2.out).toMatch(/--profiles DIR/);
  });

  it("validate: no files or an unknown option is a usage error (exit 2)", async () => {
    const io = memoryIo(root);
    expect(await main(["validate"], io)).toBe(2);
    expect(io.err).toMatch(/name at least one job file/);
    const io2 = memoryIo(root);
    expect(await main(["validate", "--frobnicate", "x.md"], io2)).toBe(2);
    expect(io2.err).toMatch(/Unknown option '--frobnicate'/);
  });

  it("validate: a missing file is a problem of that file", async () => {
    const io = memoryIo(tmp);
    expect(await main(["validate", "missing.md"], io)).toBe(1);
    expect(io.err).toBe("missing.md: (file): no such file\n");
  });

  it("validate: checks profile names against the catalog, and --resolve applies the profile", async () => {
    const dir = path.join(tmp, "with-profiles");
    mkdirSync(path.join(dir, "profiles"), { recursive: true });
    writeFileSync(path.join(dir, "profiles", "tester.md"), "---\ndefault-verify: npm test\nprefers-engine: [codex]\n---\nYou test.\n");
    writeFileSync(path.join(dir, "good.md"), "---\nprofile: tester\n---\n# Test it\nGo.\n");
    writeFileSync(path.join(dir, "typo.md"), "---\nprofile: testr\n---\nGo.\n");

    const io = memoryIo(dir);
    expect(await main(["validate", "good.md", "typo.md"], io)).toBe(1);
    expect(io.err).toBe('typo.md: profile: unknown profile "testr"; did you mean `tester`? (known: tester)\n');

    const io2 = memoryIo(dir);
    expect(await main(["validate", "--resolve", "good.md"], io2)).toBe(0);
    const [out] = jsonStream(io2.out);
    expect(out!.prompt).toBe("You test.\n\n# Test it\nGo.\n");
    expect(out!.manifest).toMatchObject({ profile: "tester", verify: "npm test", prefers: ["engine:codex"] });
    expect(out).toMatchObject({ profile: { name: "tester", version: expect.stringMatching(/^[0-9a-f]{12}$/) } });

    const io3 = memoryIo(dir);
    expect(await main(["validate", "--no-profiles", "typo.md"], io3)).toBe(0);

    const io4 = memoryIo(tmp);
    expect(await main(["validate", "--profiles", "nowhere", path.join(dir, "good.md")], io4)).toBe(1);
    expect(io4.err).toMatch(/nowhere: \(folder\): no profiles folder here/);
  });

  it("validate: a folder stands for its .md files; --quiet prints nothing for valid files", async () => {
    const dir = path.join(tmp, "folder");
    mkdirSync(path.join(dir, "jobs"), { recursive: true });
    writeFileSync(path.join(dir, "jobs", "a.md"), "# A\nDo a.\n");
    writeFileSync(path.join(dir, "jobs", "b.md"), "# B\nDo b.\n");
    writeFileSync(path.join(dir, "jobs", "notes.txt"), "ignored");
    const io = memoryIo(dir);
    expect(await main(["validate", "jobs"], io)).toBe(0);
    expect(jsonStream(io.out).map((o) => [o.file, o.title])).toEqual([
      [path.join("jobs", "a.md"), "A"],
      [path.join("jobs", "b.md"), "B"],
    ]);
    const quiet = memoryIo(dir);
    expect(await main(["validate", "-q", "jobs"], quiet)).toBe(0);
    expect(quiet.out).toBe("");
    mkdirSync(path.join(dir, "empty"));
    const empty = memoryIo(dir);
    expect(await main(["validate", "empty"], empty)).toBe(1);
    expect(empty.err).toBe("empty: (folder): no .md files in this folder\n");
  });
});
