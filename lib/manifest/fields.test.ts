// One test (at least) per manifest field of CONTRACT §1: its accepted forms, its normalized value,
// and its default when the file leaves it out.
import { describe, expect, it } from "vitest";
import { parseJobFile } from "./index";
import { manifestOf } from "./test-helpers";

const EMPTY = manifestOf("");

describe("defaults: a file that sets nothing", () => {
  it("is the exact normalized default manifest", () => {
    expect(EMPTY).toEqual({
      yolo: false,
      capabilities: [],
      prefers: [],
      priority: "medium",
      budget: {},
      deps: [],
      retry: { max: 0, backoff: 60_000, on: ["timeout", "agent_failed"] },
      "review-policy": "manual",
      artifacts: [],
      "allowed-scope": [],
    });
  });

  it("keeps the optional fields absent, not undefined", () => {
    for (const key of ["engine", "cwd", "repo", "lock", "timeout", "verify", "profile", "engine-class", "idempotency-key", "tracker-item", "product"]) {
      expect(Object.prototype.hasOwnProperty.call(EMPTY, key), key).toBe(false);
    }
  });
});

describe("engine", () => {
  it("takes a known engine (case folded) or a custom name; default unset", () => {
    expect(manifestOf("engine: claude").engine).toBe("claude");
    for (const e of ["codex", "copilot", "gemini", "devin", "aider", "shell"]) expect(manifestOf(`engine: ${e}`).engine).toBe(e);
    expect(manifestOf("engine: Claude").engine).toBe("claude");
    expect(manifestOf("engine: my-llm_2").engine).toBe("my-llm_2");
    expect(EMPTY.engine).toBeUndefined();
  });
});

describe("cwd", () => {
  it("is an absolute path without repo, relative to the checkout with repo; default unset", () => {
    expect(manifestOf("cwd: /srv/app").cwd).toBe("/srv/app");
    expect(manifestOf("cwd: ~/code/app").cwd).toBe("~/code/app");
    expect(manifestOf("cwd: 'C:\\work\\app'").cwd).toBe("C:\\work\\app");
    expect(manifestOf("repo: https://github.com/a/b.git\ncwd: packages/web").cwd).toBe("packages/web");
    expect(EMPTY.cwd).toBeUndefined();
  });
});

describe("repo", () => {
  it("takes git URLs, scp-like addresses and paths; default unset", () => {
    for (const r of [
      "https://github.com/example/shop.git",
      "ssh://git@github.com/example/shop.git",
      "git@github.com:example/shop.git",
      "git://example.com/shop",
      "file:///srv/git/shop.git",
      "/srv/git/shop",
      "web",
    ]) {
      expect(manifestOf(`repo: ${JSON.stringify(r)}`).repo).toBe(r);
    }
    expect(EMPTY.repo).toBeUndefined();
  });
});

describe("yolo", () => {
  it("is a boolean, default false", () => {
    expect(manifestOf("yolo: true").yolo).toBe(true);
    expect(manifestOf("yolo: false").yolo).toBe(false);
    expect(EMPTY.yolo).toBe(false);
  });
});

describe("lock", () => {
  it("is a name; default unset", () => {
    expect(manifestOf("lock: staging-db").lock).toBe("staging-db");
    expect(manifestOf("lock: repo:web/main").lock).toBe("repo:web/main");
    expect(EMPTY.lock).toBeUndefined();
  });
});

describe("timeout", () => {
  it.each([
    ["90s", 90_000],
    ["45m", 2_700_000],
    ["4h", 14_400_000],
    ["1h30m", 5_400_000],
    ["2d", 172_800_000],
    ["1m30s", 90_000],
    ["1500ms", 1_500],
    ["1.5h", 5_400_000],
    ["'5400000'", 5_400_000],
    ["5400000", 5_400_000],
  ])("%s → %d ms", (text, ms) => {
    expect(manifestOf(`timeout: ${text}`).timeout).toBe(ms);
  });
  it("default unset", () => expect(EMPTY.timeout).toBeUndefined());
});

describe("verify", () => {
  it("is a shell command, trimmed, multi-line allowed; default unset", () => {
    expect(manifestOf("verify: npm test").verify).toBe("npm test");
    expect(manifestOf("verify: |\n  npm ci\n  npm test\n").verify).toBe("npm ci\nnpm test");
    expect(EMPTY.verify).toBeUndefined();
  });
});

describe("profile", () => {
  it("is a profile name; default unset", () => {
    expect(manifestOf("profile: backend-engineer").profile).toBe("backend-engineer");
    expect(EMPTY.profile).toBeUndefined();
  });
});

describe("engine-class", () => {
  it("is a name; default unset", () => {
    expect(manifestOf("engine-class: agentic-coder")["engine-class"]).toBe("agentic-coder");
    expect(EMPTY["engine-class"]).toBeUndefined();
  });
});

describe("capabilities", () => {
  it("are canonical capability strings, duplicates dropped; default []", () => {
    expect(manifestOf("capabilities: [os:mac, has:xcode, engine:codex, gpu, cred:github, node>=20, pnpm>=9.1, team:web]").capabilities).toEqual([
      "os:mac",
      "has:xcode",
      "engine:codex",
      "gpu",
      "cred:github",
      "node>=20",
      "pnpm>=9.1",
      "team:web",
    ]);
    expect(manifestOf("capabilities: [OS:Linux, os:linux, 'node >= 20']").capabilities).toEqual(["os:linux", "node>=20"]);
    expect(manifestOf("capabilities: [os:any, os:windows]").capabilities).toEqual(["os:any", "os:windows"]);
    expect(manifestOf("capabilities: gpu").capabilities).toEqual(["gpu"]);
    expect(EMPTY.capabilities).toEqual([]);
  });
});

describe("prefers", () => {
  it("are capability hints such as factory:mac-2, order kept; default []", () => {
    expect(manifestOf("prefers: [factory:mac-2, engine:claude, gpu]").prefers).toEqual(["factory:mac-2", "engine:claude", "gpu"]);
    expect(EMPTY.prefers).toEqual([]);
  });
});

describe("priority", () => {
  it("is critical, high, medium or low; default medium", () => {
    for (const p of ["critical", "high", "medium", "low"]) expect(manifestOf(`priority: ${p}`).priority).toBe(p);
    expect(manifestOf("priority: HIGH").priority).toBe("high");
    expect(EMPTY.priority).toBe("medium");
  });
});

describe("budget", () => {
  it("has usd, tokens (k/M) and wall, each optional; default {}", () => {
    expect(manifestOf("budget: { usd: 5, tokens: 2M, wall: 4h }").budget).toEqual({ usd: 5, tokens: 2_000_000, wall: 14_400_000 });
    expect(manifestOf("budget: { tokens: 500k }").budget).toEqual({ tokens: 500_000 });
    expect(manifestOf("budget: { tokens: 1500000 }").budget).toEqual({ tokens: 1_500_000 });
    expect(manifestOf("budget: { tokens: 1.5M }").budget).toEqual({ tokens: 1_500_000 });
    expect(manifestOf("budget: { usd: 0 }").budget).toEqual({ usd: 0 });
    expect(manifestOf("budget: { usd: 12.5 }").budget).toEqual({ usd: 12.5 });
    expect(manifestOf("budget: { usd: '$7.25' }").budget).toEqual({ usd: 7.25 });
    expect(manifestOf("budget: {}").budget).toEqual({});
    expect(EMPTY.budget).toEqual({});
  });
});

describe("deps", () => {
  it("are job ids or idempotency keys, order kept; default []", () => {
    expect(manifestOf("deps: [gift-cards/schema, 01HZX3K9V2, 1234]").deps).toEqual(["gift-cards/schema", "01HZX3K9V2", "1234"]);
    expect(manifestOf("deps: gift-cards/api").deps).toEqual(["gift-cards/api"]);
    expect(EMPTY.deps).toEqual([]);
  });
});

describe("idempotency-key", () => {
  it("is a string; default unset", () => {
    expect(manifestOf("idempotency-key: release/2024-06-01")["idempotency-key"]).toBe("release/2024-06-01");
    expect(EMPTY["idempotency-key"]).toBeUndefined();
  });
});

describe("retry", () => {
  it("fills what it leaves out from the default {max: 0, backoff: 60s, on: [timeout, agent_failed]}", () => {
    expect(manifestOf("retry: { max: 2, backoff: 5m, on: [timeout, verify_failed, agent_failed, lease_lost] }").retry).toEqual({
      max: 2,
      backoff: 300_000,
      on: ["timeout", "verify_failed", "agent_failed", "lease_lost"],
    });
    expect(manifestOf("retry: { max: 3 }").retry).toEqual({ max: 3, backoff: 60_000, on: ["timeout", "agent_failed"] });
    expect(manifestOf("retry: { on: lease_lost }").retry).toEqual({ max: 0, backoff: 60_000, on: ["lease_lost"] });
    expect(manifestOf("retry: { max: 20 }").retry.max).toBe(20);
    expect(EMPTY.retry).toEqual({ max: 0, backoff: 60_000, on: ["timeout", "agent_failed"] });
  });
});

describe("review-policy", () => {
  it("is auto, manual or {reviewers}; default manual", () => {
    expect(manifestOf("review-policy: auto")["review-policy"]).toBe("auto");
    expect(manifestOf("review-policy: manual")["review-policy"]).toBe("manual");
    expect(manifestOf('review-policy: { reviewers: ["@alice", "@example/web-team"] }')["review-policy"]).toEqual({
      reviewers: ["@alice", "@example/web-team"],
    });
    expect(EMPTY["review-policy"]).toBe("manual");
  });
});

describe("artifacts", () => {
  it("are diff, coverage, screenshots, build-logs or globs; default []", () => {
    expect(manifestOf("artifacts: [diff, coverage, screenshots, build-logs, 'dist/**/*.zip', report.html]").artifacts).toEqual([
      "diff",
      "coverage",
      "screenshots",
      "build-logs",
      "dist/**/*.zip",
      "report.html",
    ]);
    expect(EMPTY.artifacts).toEqual([]);
  });
});

describe("allowed-scope", () => {
  it("is a list of relative globs (./ dropped, ! negates); default [] (any file)", () => {
    expect(manifestOf("allowed-scope: ['src/**', './docs/*.md', '!src/generated/**', 'package.json']")["allowed-scope"]).toEqual([
      "src/**",
      "docs/*.md",
      "!src/generated/**",
      "package.json",
    ]);
    expect(EMPTY["allowed-scope"]).toEqual([]);
  });
});

describe("tracker-item", () => {
  it("is an id (numbers kept as text); default unset", () => {
    expect(manifestOf("tracker-item: LIN-123")["tracker-item"]).toBe("LIN-123");
    expect(manifestOf("tracker-item: gh:example/shop#12")["tracker-item"]).toBe("gh:example/shop#12");
    expect(manifestOf("tracker-item: 4521")["tracker-item"]).toBe("4521");
    expect(EMPTY["tracker-item"]).toBeUndefined();
  });
});

describe("product", () => {
  it("is a product id; default unset (the coordinator's default product applies)", () => {
    expect(manifestOf("product: storefront").product).toBe("storefront");
    expect(EMPTY.product).toBeUndefined();
  });
});

describe("x- fields", () => {
  it("pass through verbatim, whatever their value", () => {
    const m = manifestOf("x-team: checkout\nx-meta: { owner: '@bob', tags: [a, b], n: 3 }\nx-empty: null");
    expect(m["x-team"]).toBe("checkout");
    expect(m["x-meta"]).toEqual({ owner: "@bob", tags: ["a", "b"], n: 3 });
    expect(m["x-empty"]).toBeNull();
  });
});

describe("setFields", () => {
  it("lists exactly the top-level fields the file set, x- included", () => {
    const r = parseJobFile("---\nverify: npm test\nretry: { max: 1 }\nx-a: 1\n---\nbody\n");
    expect(r.ok && r.setFields).toEqual(["verify", "retry", "x-a"]);
  });
});

describe("normalized output", () => {
  it("parses back to itself (a normalized manifest is a valid input)", () => {
    const m = manifestOf(
      "engine: claude\ntimeout: 1h30m\nbudget: { usd: 5, tokens: 2M, wall: 4h }\nretry: { max: 2, backoff: 5m }\ncapabilities: ['node >= 20', OS:Mac]\nx-k: v",
    );
    const again = parseJobFile(`---\n${JSON.stringify(m)}\n---\nbody\n`);
    expect(again.ok && again.spec.manifest).toEqual(m);
  });
});
