// The job file as a whole: front matter splitting, YAML errors, encodings, sizes, title and body,
// JSON submissions, and the examples/ folder.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_ALIAS_COUNT, MAX_JOB_FILE_BYTES, parseJobFile, parseJobObject, parseManifestObject } from "./index";
import { problemsOf } from "./test-helpers";

const only = (text: string, fileName?: string) => {
  const r = parseJobFile(text, { fileName });
  if (r.ok) throw new Error(`expected problems, got ${JSON.stringify(r.spec)}`);
  return r.errors;
};

describe("front matter and body", () => {
  it("a Phase-0 file (engine, cwd, yolo only) parses with every other field defaulted", () => {
    const r = parseJobFile("---\nengine: claude\ncwd: /home/me/site\nyolo: true\n---\nFix the footer.\n");
    expect(r).toEqual({
      ok: true,
      setFields: ["engine", "cwd", "yolo"],
      spec: {
        title: "Untitled",
        body: "Fix the footer.\n",
        manifest: {
          engine: "claude",
          cwd: "/home/me/site",
          yolo: true,
          capabilities: [],
          prefers: [],
          priority: "medium",
          budget: {},
          deps: [],
          retry: { max: 0, backoff: 60_000, on: ["timeout", "agent_failed"] },
          "review-policy": "manual",
          artifacts: [],
          "allowed-scope": [],
        },
      },
    });
  });

  it("a file without front matter is a job whose whole text is the prompt", () => {
    const r = parseJobFile("# Summarise TODOs\n\nList them.\n", { fileName: "todo.md" });
    expect(r.ok && r.spec.body).toBe("# Summarise TODOs\n\nList them.\n");
    expect(r.ok && r.spec.title).toBe("Summarise TODOs");
    expect(r.ok && r.setFields).toEqual([]);
  });

  it("an empty front matter is all defaults", () => {
    const r = parseJobFile("---\n---\nDo it.\n");
    expect(r.ok && r.spec.manifest.priority).toBe("medium");
    const c = parseJobFile("---\n# only a comment\n---\nDo it.\n");
    expect(c.ok).toBe(true);
  });

  it("the closing line may be --- or ..., with trailing spaces", () => {
    expect(parseJobFile("---\nengine: codex\n...\nbody\n").ok).toBe(true);
    expect(parseJobFile("---  \nengine: codex\n---   \nbody\n").ok).toBe(true);
  });

  it("the body loses leading blank lines and trailing whitespace, and ends with one newline", () => {
    const r = parseJobFile("---\nengine: codex\n---\n\n\n  indented first line\nsecond\n\n\n   ");
    expect(r.ok && r.spec.body).toBe("  indented first line\nsecond\n");
  });

  it("a --- inside the body is just text", () => {
    const r = parseJobFile("---\nengine: codex\n---\nabove\n---\nbelow\n");
    expect(r.ok && r.spec.body).toBe("above\n---\nbelow\n");
  });

  it("an empty body is refused at (body)", () => {
    expect(only("---\nengine: codex\n---\n")).toEqual([{ path: "(body)", message: expect.stringMatching(/no prompt/) }]);
    expect(only("---\nengine: codex\n---\n\n  \n")).toEqual([{ path: "(body)", message: expect.stringMatching(/no prompt/) }]);
  });

  it("body and manifest problems are reported together", () => {
    expect(only("---\npriority: urgent\n---\n").map((p) => p.path)).toEqual(["priority", "(body)"]);
  });
});

describe("title", () => {
  it.each([
    ["# Fix the footer\nbody", "job.md", "Fix the footer"],
    ["intro\n\n# Second heading wins if first\nbody", "job.md", "Second heading wins if first"],
    ["## Not h1\nbody", "my-job.md", "my-job"],
    ["#NoSpace\nbody", "dir/sub/fix-bug.md", "fix-bug"],
    ["```sh\n# a shell comment\n```\n# Real title\n", "x.md", "Real title"],
    ["# Closed heading ##\n", "x.md", "Closed heading"],
    ["   # Indented up to three\n", "x.md", "Indented up to three"],
    ["no heading", undefined, "Untitled"],
    ["no heading", "", "Untitled"],
    ["no heading", "C:\\jobs\\win-job.md", "win-job"],
  ])("%j (file %s) → %s", (body, fileName, title) => {
    const r = parseJobFile(`---\nengine: codex\n---\n${body}\n`, { fileName });
    expect(r.ok && r.spec.title).toBe(title);
  });

  it("a very long heading is clipped to 200 characters", () => {
    const r = parseJobFile(`# ${"x".repeat(500)}\n`);
    expect(r.ok && r.spec.title.length).toBe(200);
  });
});

describe("encodings and line ends", () => {
  it("a UTF-8 BOM is ignored", () => {
    const r = parseJobFile("\uFEFF---\nengine: codex\n---\n# Hi\n");
    expect(r.ok && r.spec.manifest.engine).toBe("codex");
  });

  it("CRLF and CR line ends read like LF, body included", () => {
    const crlf = parseJobFile("---\r\nengine: codex\r\npriority: high\r\n---\r\n# Title\r\nline two\r\n");
    expect(crlf.ok && crlf.spec).toEqual({
      title: "Title",
      body: "# Title\nline two\n",
      manifest: expect.objectContaining({ engine: "codex", priority: "high" }),
    });
    const cr = parseJobFile("---\rengine: codex\r---\rbody\r");
    expect(cr.ok && cr.spec.manifest.engine).toBe("codex");
  });

  it("unicode in values and body is kept", () => {
    const r = parseJobFile("---\nx-owner: Zoë 🚀\n---\n# Ünïcödé title\n");
    expect(r.ok && r.spec.manifest["x-owner"]).toBe("Zoë 🚀");
    expect(r.ok && r.spec.title).toBe("Ünïcödé title");
  });

  it("NUL bytes mean a binary file", () => {
    expect(only("---\nengine: codex\n---\nbody\0\n")).toEqual([{ path: "(file)", message: expect.stringMatching(/NUL/) }]);
  });
});

describe("file-level problems", () => {
  it.each([
    ["", /the file is empty/],
    ["   \n\n\t\n", /the file is empty/],
    ["\uFEFF", /the file is empty/],
  ])("empty file %j", (text, message) => {
    expect(only(text)).toEqual([{ path: "(file)", message: expect.stringMatching(message) }]);
  });

  it("a missing closing --- is reported, not read as YAML", () => {
    expect(only("---\nengine: claude\n\n# Title\nbody\n")).toEqual([
      { path: "(file)", message: expect.stringMatching(/no closing '---' line/) },
    ]);
    expect(only("---")).toEqual([{ path: "(file)", message: expect.stringMatching(/no closing/) }]);
  });

  it("malformed YAML gives the line and column in the file", () => {
    expect(only("---\nengine: codex\ncapabilities: [os:mac,\n---\nbody\n")[0]).toEqual({
      path: "(file)",
      message: expect.stringMatching(/^line \d+, column \d+: invalid YAML: /),
    });
    expect(only("---\nengine: codex\npriority: 'high\n---\nbody\n")[0]!.message).toMatch(/^line 4, column 1: invalid YAML: Missing closing/);
    expect(only("---\nengine: codex\n\tpriority: high\n---\nbody\n")[0]!.message).toMatch(/^line 3, column 1: invalid YAML: Tabs/);
    expect(only("---\nengine: a: b\n---\nbody\n")[0]!.message).toMatch(/^line 2, column 9: invalid YAML: /);
  });

  it("a duplicate key names the field and its line", () => {
    expect(only("---\nengine: codex\npriority: high\npriority: low\n---\nbody\n")).toEqual([
      { path: "priority", message: "line 4, column 1: duplicate field `priority`: each field may appear once" },
    ]);
    expect(only("---\nbudget:\n  usd: 1\n  usd: 2\n---\nbody\n")).toEqual([
      { path: "(file)", message: "line 4, column 3: duplicate field `usd`: each field may appear once" },
    ]);
  });

  it.each([
    ["- engine: codex\n- priority: high", /not a list/],
    ["just text", /not a single text value/],
    ["42", /not a single number value/],
    ["true", /not a single boolean value/],
  ])("a front matter that is not a mapping: %j", (front, message) => {
    expect(only(`---\n${front}\n---\nbody\n`)).toEqual([{ path: "(file)", message: expect.stringMatching(message) }]);
  });

  it("an alias bomb is refused with the limit in the message", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "x-e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
    ].join("\n");
    expect(only(`---\n${bomb}\n---\nbody\n`)).toEqual([
      { path: "(file)", message: `the YAML expands too many aliases (more than ${MAX_ALIAS_COUNT}): refused as a resource-exhaustion risk` },
    ]);
  });

  it("a few aliases are fine (into x- fields)", () => {
    const r = parseJobFile("---\nx-base: &b [a, b]\nx-copy: *b\n---\nbody\n");
    expect(r.ok && r.spec.manifest["x-copy"]).toEqual(["a", "b"]);
  });

  it("an unknown alias is an error, not an exception", () => {
    expect(only("---\nx-a: *nope\n---\nbody\n")[0]!.path).toBe("(file)");
  });

  it("YAML 1.1 merge keys are not supported (an unknown field)", () => {
    expect(only("---\nx-base: &b { priority: high }\n<<: *b\n---\nbody\n")[0]!.path).toBe("<<");
  });

  it("a file over 1 MiB is refused before parsing, with the figure in the message", () => {
    const big = `---\nengine: codex\n---\n${"x".repeat(MAX_JOB_FILE_BYTES)}\n`;
    expect(only(big)).toEqual([
      { path: "(file)", message: "the file is 1 MiB; a job file may be at most 1 MiB (1048576 bytes)" },
    ]);
    const huge = "y".repeat(10 * MAX_JOB_FILE_BYTES);
    expect(only(huge)[0]!.message).toMatch(/^the file is over 8 MiB; a job file may be at most 1 MiB \(1048576 bytes\)$/);
    const multibyte = "é".repeat(MAX_JOB_FILE_BYTES / 2 + 10);
    expect(only(multibyte)[0]!.message).toMatch(/^the file is 1 MiB;/);
  });

  it("just under the limit is fine", () => {
    const body = "z".repeat(MAX_JOB_FILE_BYTES - 40);
    expect(parseJobFile(`---\nengine: codex\n---\n${body}`).ok).toBe(true);
  });

  it("a non-string is refused, not thrown", () => {
    expect(parseJobFile(undefined as unknown as string)).toEqual({ ok: false, errors: [{ path: "(file)", message: "expected the text of a job file" }] });
  });

  it("several problems are all reported", () => {
    const paths = problemsOf("priorty: high\ntimeout: 90\nretry: { max: 99 }\nbudget: { usd: -1 }").map((p) => p.path);
    expect(paths.sort()).toEqual(["budget.usd", "priorty", "retry.max", "timeout"]);
  });
});

describe("JSON submissions", () => {
  it("parseManifestObject validates a manifest object alone", () => {
    expect(parseManifestObject({ priority: "high", budget: { tokens: "2M" } })).toEqual({
      ok: true,
      setFields: ["priority", "budget"],
      manifest: expect.objectContaining({ priority: "high", budget: { tokens: 2_000_000 } }),
    });
    expect(parseManifestObject({ priorty: "high" })).toEqual({
      ok: false,
      errors: [{ path: "priorty", message: "unknown field `priorty`; did you mean `priority`?" }],
    });
    expect(parseManifestObject([1, 2])).toEqual({ ok: false, errors: [{ path: "(file)", message: expect.stringMatching(/mapping of fields \(field: value\), got a list/) }] });
    expect(parseManifestObject(null, { root: "manifest" }).ok).toBe(false);
    expect(parseManifestObject({ budget: { usd: -1 } }, { prefix: "manifest" })).toEqual({
      ok: false,
      errors: [{ path: "manifest.budget.usd", message: expect.any(String) }],
    });
  });

  it("parseManifestObject with a body returns the whole job, as parseJobFile would", () => {
    const r = parseManifestObject({ engine: "codex", retry: { max: 1 } }, { body: "# From the form\r\nDo it" });
    expect(r).toEqual({
      ok: true,
      setFields: ["engine", "retry"],
      spec: { title: "From the form", body: "# From the form\nDo it\n", manifest: expect.objectContaining({ engine: "codex" }) },
    });
    const titled = parseManifestObject({}, { body: "no heading", title: "  Given title " });
    expect(titled.ok && titled.spec.title).toBe("Given title");
    expect(parseManifestObject({}, { body: "  " })).toEqual({ ok: false, errors: [{ path: "body", message: expect.stringMatching(/no prompt/) }] });
  });

  it("parseJobObject checks the request object {manifest, body}", () => {
    const ok = parseJobObject({ manifest: { priority: "low" }, body: "# T\nx" });
    expect(ok.ok && ok.spec.manifest.priority).toBe("low");
    expect(parseJobObject({ body: "just a body" }).ok).toBe(true);
    expect(parseJobObject("text")).toEqual({ ok: false, errors: [{ path: "(request)", message: expect.any(String) }] });
    const bad = parseJobObject({ manifest: { timeout: "soon" }, body: 5, extra: 1 });
    expect(bad.ok === false && bad.errors.map((e) => e.path)).toEqual(["extra", "manifest.timeout", "body"]);
    const tooBig = parseJobObject({ body: "x".repeat(MAX_JOB_FILE_BYTES + 1) });
    expect(tooBig.ok === false && tooBig.errors[0]!.message).toMatch(/at most 1 MiB/);
  });
});

describe("examples/", () => {
  const root = path.resolve(__dirname, "../..");
  const dir = path.join(root, "examples");
  const good = readdirSync(dir).filter((f) => f.endsWith(".md"));
  const broken = readdirSync(path.join(dir, "broken")).filter((f) => f.endsWith(".md"));

  it("has an example of each feature", () => {
    for (const f of ["phase-0.md", "profile.md", "budget.md", "deps-1-schema.md", "retry.md", "lock.md", "hello-shell.md", "everything.md"]) {
      expect(good).toContain(f);
    }
    expect(broken.length).toBeGreaterThanOrEqual(8);
  });

  it.each(good)("examples/%s is valid", (f) => {
    const r = parseJobFile(readFileSync(path.join(dir, f), "utf8"), { fileName: f });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it.each(broken)("examples/broken/%s is refused with precise problems", (f) => {
    const r = parseJobFile(readFileSync(path.join(dir, "broken", f), "utf8"), { fileName: f });
    expect(r.ok).toBe(false);
    if (!r.ok) for (const e of r.errors) expect(e.path.length).toBeGreaterThan(0);
  });

  it("the deps chain links by idempotency key", () => {
    const read = (f: string) => {
      const r = parseJobFile(readFileSync(path.join(dir, f), "utf8"));
      if (!r.ok) throw new Error(f);
      return r.spec.manifest;
    };
    const [a, b, c] = ["deps-1-schema.md", "deps-2-api.md", "deps-3-ui.md"].map(read);
    expect(b!.deps).toEqual([a!["idempotency-key"]]);
    expect(c!.deps).toEqual([b!["idempotency-key"]]);
  });

  it("everything.md sets every field of the manifest", async () => {
    const { MANIFEST_FIELDS } = await import("./index");
    const r = parseJobFile(readFileSync(path.join(dir, "everything.md"), "utf8"));
    expect(r.ok && [...r.setFields].filter((f) => !f.startsWith("x-")).sort()).toEqual([...MANIFEST_FIELDS].sort());
  });
});

describe("examples/hello-shell.md runs with the shell engine", () => {
  // The shell engine runs the body as a shell script in the job's directory, then `verify` there.
  it.skipIf(process.platform === "win32")("its body writes hello.txt and its verify passes (win32: no sh)", async () => {
    const { execFileSync } = await import("node:child_process");
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const r = parseJobFile(readFileSync(path.resolve(__dirname, "../../examples/hello-shell.md"), "utf8"));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const dir = mkdtempSync(path.join(tmpdir(), "hello-shell-"));
    try {
      execFileSync("sh", ["-c", r.spec.body], { cwd: dir, stdio: "pipe" });
      execFileSync("sh", ["-c", r.spec.manifest.verify!], { cwd: dir, stdio: "pipe" });
      expect(readFileSync(path.join(dir, "hello.txt"), "utf8")).toMatch(/^hello from /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
