import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { profileVersion } from "@/lib/profile";
import { defaultProfilesDir, formatCatalogProblem, loadProfileCatalog, loadProfileCatalogSync } from "./index";

const STARTER = ["backend-engineer", "developer", "docs-writer", "frontend-engineer", "qa", "reviewer", "ui-designer", "ux-designer"];
const root = path.resolve(__dirname, "../..");
const tmp = mkdtempSync(path.join(tmpdir(), "profiles-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the starter catalog in profiles/", () => {
  it("loads all eight profiles with no problems", async () => {
    const cat = await loadProfileCatalog(path.join(root, "profiles"));
    expect(cat.problems).toEqual([]);
    expect([...cat.profiles.keys()].sort()).toEqual(STARTER);
    for (const [name, e] of cat.profiles) {
      expect(e.version).toBe(profileVersion(e.text));
      expect(e.version).toMatch(/^[0-9a-f]{12}$/);
      const p = e.profile;
      expect(p.name).toBe(name);
      const lines = p.persona.split("\n").length;
      expect(lines, `${name}: persona of 10–25 lines`).toBeGreaterThanOrEqual(10);
      expect(lines, `${name}: persona of 10–25 lines`).toBeLessThanOrEqual(25);
      expect(p["default-verify"], name).toBeTruthy();
      expect(p["engine-class"], name).toBe("agentic-coder");
      expect(p["prefers-engine"].length, name).toBeGreaterThan(0);
      expect(p["allowed-scope"].length, name).toBeGreaterThan(0);
      expect(p["review-policy"], name).toBeDefined();
      expect(p.capabilities.length, name).toBeGreaterThan(0);
    }
  });

  it("sync and async loaders agree; the default folder is ./profiles", () => {
    const sync = loadProfileCatalogSync(path.join(root, "profiles"));
    expect([...sync.profiles.keys()].sort()).toEqual(STARTER);
    expect(defaultProfilesDir("/x")).toBe(path.resolve("/x/profiles"));
  });
});

describe("a folder with bad files", () => {
  it("reports each bad file with file name and field path, and keeps the good ones", async () => {
    const dir = path.join(tmp, "mixed");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "good.md"), "---\nname: good\ncapabilities: [gpu]\n---\nYou are good at things.\n");
    writeFileSync(path.join(dir, "bad.md"), "---\nname: bad\nreview-policy: sometimes\n---\nPersona.\n");
    writeFileSync(path.join(dir, "wrong-name.md"), "---\nname: other\n---\nPersona.\n");
    writeFileSync(path.join(dir, "README.md"), "# About these profiles\n");
    writeFileSync(path.join(dir, "notes.txt"), "not a profile");
    const cat = await loadProfileCatalog(dir);
    expect([...cat.profiles.keys()]).toEqual(["good"]);
    expect(cat.problems.map(formatCatalogProblem)).toEqual([
      `${path.join(dir, "bad.md")}: review-policy: expected auto, manual or { reviewers: ["@alice"] }, got "sometimes"`,
      `${path.join(dir, "wrong-name.md")}: name: the name "other" differs from the file name "wrong-name.md": they must agree`,
    ]);
    expect(loadProfileCatalogSync(dir).problems).toEqual(cat.problems);
  });

  it("a missing folder is one problem, not an exception", async () => {
    const cat = await loadProfileCatalog(path.join(tmp, "nope"));
    expect(cat.profiles.size).toBe(0);
    expect(cat.problems).toEqual([{ file: path.join(tmp, "nope"), path: "(folder)", message: "no profiles folder here" }]);
    expect(loadProfileCatalogSync(path.join(tmp, "nope")).problems).toHaveLength(1);
  });
});
