import { describe, expect, it } from "vitest";
import { contentHashOfItem, mapItem } from "./mapping";
import { intakeLabel, type TrackerItem } from "./port";

const item = (over: Partial<TrackerItem> = {}): TrackerItem => ({
  id: "github:acme/shop#101",
  url: "https://github.com/acme/shop/issues/101",
  title: "Fix the cart",
  body: "The cart total is wrong.",
  labels: ["agent:run"],
  state: "open",
  updatedAt: "2026-12-03T10:00:00Z",
  repo: "https://github.com/acme/shop.git",
  ...over,
});

describe("tracker item → job", () => {
  it("maps title, body, repo and labels; the key is item id + content hash", () => {
    const m = mapItem(item({ labels: ["agent:run:frontend", "priority:high", "cap:os:linux", "agent:queued", "bug"] }));
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(m.manifest).toMatchObject({ repo: "https://github.com/acme/shop.git", profile: "frontend", priority: "high", capabilities: ["os:linux"], "tracker-item": "github:acme/shop#101" });
    expect(m.manifest["idempotency-key"]).toBe(`github:acme/shop#101@${m.hash}`);
    expect(m.body).toBe("# Fix the cart\n\nThe cart total is wrong.\n");
  });

  it("the write-back's own labels are not content: the hash stays, an edit changes it", () => {
    const a = contentHashOfItem(item());
    expect(contentHashOfItem(item({ labels: ["agent:run", "agent:running", "bug"] }))).toBe(a);
    expect(contentHashOfItem(item({ body: "The cart total is wrong!" }))).not.toBe(a);
    expect(contentHashOfItem(item({ labels: ["agent:run:backend"] }))).not.toBe(a);
  });

  it("takes the first ```yaml block as manifest fields and leaves it out of the prompt", () => {
    const m = mapItem(item({ body: "Intro\n\n```yaml\nengine: codex\nverify: npm test\n```\n\nMore.\n\n```yaml\nnot: read\n```" }));
    expect(m.ok).toBe(true);
    if (!m.ok) return;
    expect(m.manifest).toMatchObject({ engine: "codex", verify: "npm test" });
    expect(m.body).not.toContain("engine: codex");
    expect(m.body).toContain("not: read");
  });

  it("a block's delivery, base-branch and branch are judged with the item's repository; without one they are refused", () => {
    const block = "```yaml\ndelivery: pr\nbase-branch: main\n```";
    const m = mapItem(item({ body: block }));
    expect(m.ok, JSON.stringify(m)).toBe(true);
    if (m.ok) expect(m.manifest).toMatchObject({ repo: "https://github.com/acme/shop.git", delivery: "pr", "base-branch": "main" });
    const bare = mapItem(item({ id: "linear:ENG-1", repo: undefined, body: block }));
    expect(bare.ok).toBe(false);
    if (!bare.ok) expect(bare.errors[0]!.path).toBe("yaml.delivery");
  });

  it.each([
    ["```yaml\npriorty: high\n```", /priorty/],
    ["```yaml\ntimeout: forever\n```", /timeout/],
    ["```yaml\n- a\n- b\n```", /^yaml$/],
    ["```yaml\ntracker-item: github:x/y#1\n```", /tracker-item/],
    ["```yaml\na: [\n```", /yaml/],
  ])("a malformed block %j is refused naming the field", (body, path) => {
    const m = mapItem(item({ body }));
    expect(m.ok).toBe(false);
    if (!m.ok) expect(m.errors[0]!.path).toMatch(path);
  });

  it("a bad label is refused naming it", () => {
    const m = mapItem(item({ labels: ["agent:run", "priority:urgent"] }));
    expect(m.ok).toBe(false);
    if (!m.ok) expect(m.errors[0]!.path).toMatch(/priority/);
  });

  it("hostile bodies are bounded: the text is cut at 64 KiB, an unclosed fence is plain prompt", () => {
    const m = mapItem(item({ body: "```yaml\n" + "a: b\n".repeat(200_000) }));
    expect(m.ok).toBe(true);
    if (m.ok) expect(m.body.length).toBeLessThan(70_000);
  });
});

describe("the intake label is the tracker's own (FLEET_LINEAR_LABEL)", () => {
  it("a configured base and its :<profile> variants count; the default's do not", () => {
    expect(intakeLabel("gf:go", "gf:go")).toEqual({});
    expect(intakeLabel("GF:Go:frontend", "gf:go")).toEqual({ profile: "frontend" });
    expect(intakeLabel("agent:run", "gf:go")).toBeUndefined();
    expect(intakeLabel("gf:gone", "gf:go")).toBeUndefined();
    expect(intakeLabel("gf:go:", "gf:go")).toBeUndefined();
    expect(intakeLabel("agent:run")).toEqual({});
    expect(intakeLabel("agent:run:backend")).toEqual({ profile: "backend" });
  });

  it("mapItem reads the profile from the configured base, and its hash ignores the default's labels", () => {
    const m = mapItem(item({ labels: ["gf:go:frontend", "priority:high"] }), "gf:go");
    expect(m.ok && m.manifest).toMatchObject({ profile: "frontend", priority: "high" });
    const plain = mapItem(item({ labels: ["agent:run:frontend"] }), "gf:go");
    expect(plain.ok && plain.manifest.profile).toBeUndefined();
    expect(contentHashOfItem(item({ labels: ["gf:go", "agent:run"] }), "gf:go")).toBe(contentHashOfItem(item({ labels: ["gf:go"] }), "gf:go"));
  });
});
