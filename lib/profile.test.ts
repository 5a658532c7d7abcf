import { describe, expect, it } from "vitest";
import { parseJobFile } from "./manifest";
import { parseProfile, personaPrompt, profileVersion, resolveJob, type Profile } from "./profile";

const PROFILE = `---
name: backend-engineer
description: "Server-side work: APIs and data."
capabilities: [has:git, node>=20]
default-verify: npm test
engine-class: agentic-coder
prefers-engine: [codex, claude]
allowed-scope: ["src/**", "test/**"]
review-policy: { reviewers: ["@lead"] }
---
You are a backend engineer.

Validate every input at the boundary.
`;

function profile(text = PROFILE, file = "backend-engineer.md"): Profile {
  const r = parseProfile(text, file);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

function jobOf(text: string) {
  const r = parseJobFile(text, { fileName: "job.md" });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
}

describe("parseProfile", () => {
  it("reads every field; the body is the persona", () => {
    expect(profile()).toEqual({
      name: "backend-engineer",
      description: "Server-side work: APIs and data.",
      persona: "You are a backend engineer.\n\nValidate every input at the boundary.",
      capabilities: ["has:git", "node>=20"],
      "default-verify": "npm test",
      "engine-class": "agentic-coder",
      "prefers-engine": ["codex", "claude"],
      "allowed-scope": ["src/**", "test/**"],
      "review-policy": { reviewers: ["@lead"] },
      "allow-direct-push": false,
      version: profileVersion(PROFILE),
    });
  });

  it("allow-direct-push is a boolean, false unless set", () => {
    expect(profile("---\nname: ops\nallow-direct-push: true\n---\nP\n", "ops.md")["allow-direct-push"]).toBe(true);
    expect(profile("---\nname: ops\n---\nP\n", "ops.md")["allow-direct-push"]).toBe(false);
  });

  it("takes the persona from the persona field when the body is empty", () => {
    const p = profile("---\nname: qa\npersona: |\n  You test things.\n  Thoroughly.\n---\n", "qa.md");
    expect(p.persona).toBe("You test things.\nThoroughly.");
    expect(p.capabilities).toEqual([]);
    expect(p["prefers-engine"]).toEqual([]);
    expect(p["allowed-scope"]).toEqual([]);
    expect(p["review-policy"]).toBeUndefined();
  });

  it("takes the name from the file when the front matter has none, or no front matter at all", () => {
    expect(profile("You write docs.\n", "docs-writer.md").name).toBe("docs-writer");
    expect(profile("---\ncapabilities: [gpu]\n---\nYou train models.\n", "ml.md").name).toBe("ml");
  });

  it.each([
    ["---\nname: other\n---\nPersona.\n", "qa.md", "name", /differs from the file name "qa.md"/],
    ["---\nname: qa\n---\n", "qa.md", "persona", /no persona/],
    ["---\nname: qa\npersona: A\n---\nB\n", "qa.md", "persona", /both in the persona field and in the body/],
    ["---\nname: qa\ndefault_verify: npm test\n---\nP\n", "qa.md", "default_verify", /did you mean `default-verify`\?/],
    ["---\nname: qa\nverify: npm test\n---\nP\n", "qa.md", "verify", /did you mean `default-verify`\?/],
    ["---\nname: qa\nprefers-engine: [claude, 'not an engine']\n---\nP\n", "qa.md", "prefers-engine[1]", /not an engine name/],
    ["---\nname: qa\ncapabilities: [os:beos]\n---\nP\n", "qa.md", "capabilities[0]", /unknown os/],
    ["---\nname: qa\nallow-direct-push: yes\n---\nP\n", "qa.md", "allow-direct-push", /expected true or false/],
    ["---\nname: qa\nallow-direct-pushes: true\n---\nP\n", "qa.md", "allow-direct-pushes", /did you mean `allow-direct-push`\?/],
    ["---\nname: qa\ndirect-push: true\n---\nP\n", "qa.md", "direct-push", /did you mean `allow-direct-push`\?/],
    ["---\nname: qa\nreview-policy: sometimes\n---\nP\n", "qa.md", "review-policy", /expected auto, manual/],
    ["---\nname: qa\nallowed-scope: [/etc/**]\n---\nP\n", "qa.md", "allowed-scope[0]", /absolute/],
    ["---\nname: qa\nname: qa\n---\nP\n", "qa.md", "name", /duplicate field/],
    ["---\nname: qa\n", "qa.md", "(file)", /no closing/],
    ["", "qa.md", "(file)", /empty/],
    ["Persona only.\n", "Bad_Name.md", "name", /not a profile name/],
    ["---\n- a\n---\nP\n", "qa.md", "(file)", /mapping/],
    [`---\nname: qa\nx-key: ${"ghp_" + "Ab3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1eF3hJ5"}\n---\nP\n`, "qa.md", "x-key", /looks like a GitHub token: keep secrets out of profiles/],
  ])("refuses %j (%s) at %s", (text, file, path, message) => {
    const r = parseProfile(text, file);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      const at = r.errors.filter((e) => e.path === path);
      expect(at.length, JSON.stringify(r.errors)).toBeGreaterThan(0);
      expect(at[0]!.message).toMatch(message);
    }
  });

  it("never throws on junk", () => {
    expect(parseProfile(undefined as unknown as string).ok).toBe(false);
    expect(parseProfile("x".repeat(70_000), "a.md")).toEqual({ ok: false, errors: [{ path: "(file)", message: "the profile is larger than 64 KiB" }] });
  });
});

describe("profileVersion", () => {
  it("is the first 12 hex digits of sha256 of the normalized text", () => {
    expect(profileVersion("hello\n")).toBe("5891b5b522d5");
    expect(profileVersion(PROFILE)).toMatch(/^[0-9a-f]{12}$/);
  });

  it("ignores BOM, CRLF and trailing whitespace, but not content", () => {
    const v = profileVersion(PROFILE);
    expect(profileVersion("\uFEFF" + PROFILE.replace(/\n/g, "\r\n"))).toBe(v);
    expect(profileVersion(PROFILE.replace(/\n/g, "   \n") + "\n\n")).toBe(v);
    expect(profileVersion(PROFILE.replace("npm test", "npm run test"))).not.toBe(v);
  });
});

describe("resolveJob", () => {
  const p = profile();

  it("golden: the persona is prepended to the body, exactly", () => {
    const job = jobOf("---\nprofile: backend-engineer\n---\n# Add a health check\n\nAdd GET /healthz returning 200.\n");
    const r = resolveJob(job.spec, job.setFields, p);
    expect(r.prompt).toBe(
      [
        "You are a backend engineer.",
        "",
        "Validate every input at the boundary.",
        "",
        "# Add a health check",
        "",
        "Add GET /healthz returning 200.",
        "",
      ].join("\n"),
    );
    expect(r.body).toBe("# Add a health check\n\nAdd GET /healthz returning 200.\n");
    expect(r.title).toBe("Add a health check");
    expect(r.profile).toEqual({ name: "backend-engineer", version: profileVersion(PROFILE) });
    expect(personaPrompt("  P  \n", "B\n")).toBe("P\n\nB\n");
  });

  it("a job that sets nothing inherits every profile field", () => {
    const job = jobOf("---\nprofile: backend-engineer\n---\nDo it.\n");
    expect(resolveJob(job.spec, job.setFields, p).manifest).toEqual({
      ...job.spec.manifest,
      capabilities: ["has:git", "node>=20"],
      verify: "npm test",
      "engine-class": "agentic-coder",
      prefers: ["engine:codex", "engine:claude"],
      "allowed-scope": ["src/**", "test/**"],
      "review-policy": { reviewers: ["@lead"] },
    });
  });

  it("fields the job set win; capabilities are the union; prefers keep the job's hints first", () => {
    const job = jobOf(
      [
        "---",
        "profile: backend-engineer",
        "verify: make check",
        "engine-class: fast-coder",
        "capabilities: [gpu, has:git]",
        "prefers: [factory:linux-2]",
        "allowed-scope: [lib/**]",
        "review-policy: auto",
        "---",
        "Do it.",
      ].join("\n"),
    );
    const m = resolveJob(job.spec, job.setFields, p).manifest;
    expect(m.verify).toBe("make check");
    expect(m["engine-class"]).toBe("fast-coder");
    expect(m.capabilities).toEqual(["has:git", "node>=20", "gpu"]);
    expect(m.prefers).toEqual(["factory:linux-2", "engine:codex", "engine:claude"]);
    expect(m["allowed-scope"]).toEqual(["lib/**"]);
    expect(m["review-policy"]).toBe("auto");
  });

  it("an explicit review-policy: manual (the default value) still wins over the profile", () => {
    const job = jobOf("---\nreview-policy: manual\n---\nDo it.\n");
    expect(resolveJob(job.spec, job.setFields, p).manifest["review-policy"]).toBe("manual");
  });

  it("allowed-scope: [] lifts the profile's scope", () => {
    const job = jobOf("---\nallowed-scope: []\n---\nDo it.\n");
    expect(resolveJob(job.spec, job.setFields, p).manifest["allowed-scope"]).toEqual([]);
  });

  it("an explicit engine takes no engine preference from the profile", () => {
    const job = jobOf("---\nengine: aider\n---\nDo it.\n");
    const m = resolveJob(job.spec, job.setFields, p).manifest;
    expect(m.engine).toBe("aider");
    expect(m.prefers).toEqual([]);
    expect(m.profile).toBe("backend-engineer");
  });

  it("without a profile the job is unchanged and the prompt is the body", () => {
    const job = jobOf("---\nengine: shell\n---\necho hi\n");
    const r = resolveJob(job.spec, job.setFields);
    expect(r).toEqual({ ...job.spec, prompt: "echo hi\n" });
    expect(r.manifest).not.toBe(job.spec.manifest);
  });

  it("does not modify its input", () => {
    const job = jobOf("---\nprofile: backend-engineer\ncapabilities: [gpu]\n---\nDo it.\n");
    const before = JSON.stringify(job.spec);
    resolveJob(job.spec, job.setFields, p);
    expect(JSON.stringify(job.spec)).toBe(before);
  });
});
