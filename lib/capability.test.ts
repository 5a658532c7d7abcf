import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  advertisedSet,
  compareVersions,
  formatCapability,
  parseCapability,
  parseCapabilityList,
  satisfies,
  versionMeets,
  type Capability,
} from "./capability";

function cap(text: string): Capability {
  const p = parseCapability(text);
  if (!p.ok) throw new Error(p.message);
  return p.cap;
}

describe("parseCapability", () => {
  it.each([
    ["os:mac", { kind: "os", os: "mac" }, "os:mac"],
    ["os:linux", { kind: "os", os: "linux" }, "os:linux"],
    ["os:windows", { kind: "os", os: "windows" }, "os:windows"],
    ["os:any", { kind: "os", os: "any" }, "os:any"],
    ["os:darwin", { kind: "os", os: "mac" }, "os:mac"],
    ["OS:Win32", { kind: "os", os: "windows" }, "os:windows"],
    ["gpu", { kind: "flag", name: "gpu" }, "gpu"],
    [" Docker ", { kind: "flag", name: "docker" }, "docker"],
    ["has:xcode", { kind: "tag", key: "has", value: "xcode" }, "has:xcode"],
    ["engine:codex", { kind: "tag", key: "engine", value: "codex" }, "engine:codex"],
    ["cred:github", { kind: "tag", key: "cred", value: "github" }, "cred:github"],
    ["factory:mac-2", { kind: "tag", key: "factory", value: "mac-2" }, "factory:mac-2"],
    ["node:20.11.1", { kind: "tag", key: "node", value: "20.11.1" }, "node:20.11.1"],
    ["node>=20", { kind: "version", tool: "node", op: ">=", version: "20" }, "node>=20"],
    ["pnpm>=9.1", { kind: "version", tool: "pnpm", op: ">=", version: "9.1" }, "pnpm>=9.1"],
    ["node >= v20.01", { kind: "version", tool: "node", op: ">=", version: "20.1" }, "node>=20.1"],
    ["python3<3.13", { kind: "version", tool: "python3", op: "<", version: "3.13" }, "python3<3.13"],
    ["go<=1.22", { kind: "version", tool: "go", op: "<=", version: "1.22" }, "go<=1.22"],
    ["java>17", { kind: "version", tool: "java", op: ">", version: "17" }, "java>17"],
    ["node==20", { kind: "version", tool: "node", op: "=", version: "20" }, "node=20"],
  ])("%s", (text, expected, canonical) => {
    const p = parseCapability(text);
    expect(p).toEqual({ ok: true, cap: expected, canonical });
  });

  it.each([
    "",
    "   ",
    "os:beos",
    "os",
    "os>=1",
    ":x",
    "has:",
    "node>=",
    "node>=twenty",
    "node=>20",
    ">=20",
    "node>=20 21",
    "1gpu",
    "has:xcode beta",
    "has:-x",
    "a b",
    "node!=20",
    "x".repeat(201),
  ])("refuses %j with a message", (text) => {
    const p = parseCapability(text);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.message.length).toBeGreaterThan(5);
  });

  it("refuses non-strings without throwing", () => {
    expect(parseCapability(42 as unknown as string).ok).toBe(false);
  });

  it("round-trips: parse(format(cap)) gives the same cap", () => {
    for (const text of ["os:any", "gpu", "has:xcode", "node>=20.11.1", "pnpm<9", "x:Y_z"]) {
      const c = cap(text);
      expect(cap(formatCapability(c))).toEqual(c);
    }
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const p = parseCapability(s);
        if (p.ok) expect(parseCapability(p.canonical)).toEqual(p);
      }),
    );
  });
});

describe("compareVersions", () => {
  it.each([
    ["20", "20.11.1", -1],
    ["20.11.1", "20", 1],
    ["20.0.0", "20", 0],
    ["9.10", "9.9", 1],
    ["v1.2.3", "1.2.3", 0],
    ["1.2.3-beta", "1.2.3", 0],
    ["1", "2", -1],
    ["10", "9", 1],
  ])("%s vs %s → %d", (a, b, r) => {
    expect(compareVersions(a, b)).toBe(r);
  });
});

describe("versionMeets (precision of the requirement)", () => {
  it.each([
    ["20.11.1", ">=", "20", true],
    ["20.11.1", ">", "20", false],
    ["21.0.0", ">", "20", true],
    ["20.11.1", "=", "20", true],
    ["20.11.1", "<=", "20", true],
    ["20.11.1", "<", "20", false],
    ["19.9", "<", "20", true],
    ["20.11.1", ">=", "20.12", false],
    ["9.1.0", ">=", "9.1", true],
    ["9.0.6", ">=", "9.1", false],
    ["garbage", ">=", "1", false],
  ] as const)("%s %s %s → %s", (have, op, want, r) => {
    expect(versionMeets(have, op, want)).toBe(r);
  });
});

describe("satisfies", () => {
  const linux = new Set(["os:linux", "arch:x64", "has:git", "engine:claude", "cred:anthropic", "gpu", "node:20.11.1", "pnpm:9.1.0"]);
  const mac = new Set(["os:mac", "has:xcode", "node:18.19.0"]);

  it("os requirements match the advertised os; os:any matches every factory", () => {
    expect(satisfies(cap("os:linux"), linux)).toBe(true);
    expect(satisfies(cap("os:mac"), linux)).toBe(false);
    expect(satisfies(cap("os:any"), linux)).toBe(true);
    expect(satisfies(cap("os:any"), new Set())).toBe(true);
  });

  it("flags and tags need the exact advertised string", () => {
    expect(satisfies(cap("gpu"), linux)).toBe(true);
    expect(satisfies(cap("gpu"), mac)).toBe(false);
    expect(satisfies(cap("has:xcode"), mac)).toBe(true);
    expect(satisfies(cap("has:xcode"), linux)).toBe(false);
    expect(satisfies(cap("cred:anthropic"), linux)).toBe(true);
    expect(satisfies(cap("engine:codex"), linux)).toBe(false);
  });

  it("version requirements match the advertised tool:<version> tag", () => {
    expect(satisfies(cap("node>=20"), linux)).toBe(true);
    expect(satisfies(cap("node>=20"), mac)).toBe(false);
    expect(satisfies(cap("pnpm>=9.1"), linux)).toBe(true);
    expect(satisfies(cap("pnpm>=9.2"), linux)).toBe(false);
    expect(satisfies(cap("node<20"), mac)).toBe(true);
    expect(satisfies(cap("bun>=1"), linux)).toBe(false);
  });

  it("a version requirement passes if any advertised version of the tool meets it", () => {
    expect(satisfies(cap("node>=22"), new Set(["node:18.0.0", "node:22.1.0"]))).toBe(true);
  });

  it("advertisedSet canonicalizes what factories send", () => {
    const s = advertisedSet(["OS:Darwin", "Has:xcode", "GPU", "not valid!"]);
    expect([...s]).toEqual(["os:mac", "has:xcode", "gpu", "not valid!"]);
    expect(satisfies(cap("os:mac"), s)).toBe(true);
  });
});

describe("parseCapabilityList", () => {
  it("returns canonical strings or the problems by index", () => {
    expect(parseCapabilityList(["OS:Linux", "node >= 20"])).toEqual({ ok: true, canonical: ["os:linux", "node>=20"] });
    const r = parseCapabilityList(["gpu", "os:beos", "node>="]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.index)).toEqual([1, 2]);
  });
});

describe("cred:git:<host>", () => {
  it("names a host a factory holds git credentials for (lower-cased, a port allowed); a bad host is refused", () => {
    expect(parseCapability("cred:git:GitHub.com")).toMatchObject({ ok: true, canonical: "cred:git:github.com" });
    expect(parseCapability("cred:git:127.0.0.1:8443")).toMatchObject({ ok: true, canonical: "cred:git:127.0.0.1:8443" });
    expect(satisfies(cap("cred:git:ghe.acme.io"), advertisedSet(["cred:git:ghe.acme.io"]))).toBe(true);
    expect(satisfies(cap("cred:git:ghe.acme.io"), advertisedSet(["cred:git:github.com"]))).toBe(false);
    expect(parseCapability("cred:git:bad host")).toMatchObject({ ok: false, message: expect.stringMatching(/not a host name/) });
  });
});
