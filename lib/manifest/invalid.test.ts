// Invalid values: at least five per structured field, each refused with a problem at the exact path
// and a message that says what was expected.
import { describe, expect, it } from "vitest";
import { expectProblem, problemsOf } from "./test-helpers";

const DURATION = /expected a duration like 90s, 45m, 4h or 1h30m/;

describe("duration (timeout, budget.wall, retry.backoff)", () => {
  it.each([
    ["0s", /longer than 0/],
    ["-5m", /cannot be negative/],
    ["90", /write 90s/],
    ["0", /longer than 0/],
    ["soon", /got "soon"/],
    ["1 hour", /got "1 hour"/],
    ["30m1h", /largest first/],
    ["1h1h", /largest first/],
    ["500ms", /shortest duration is 1s/],
    ["400d", /longest duration is 365d/],
    ["''", /empty/],
    ["[1h]", DURATION],
    ["true", DURATION],
    ["1.5", DURATION],
    ["h", DURATION],
  ])("timeout: %s", (value, message) => {
    expectProblem(`timeout: ${value}`, "timeout", message);
  });

  it.each(["0s", "-1h", "forever", "{ h: 1 }", "12"])("budget.wall: %s", (value) => {
    expectProblem(`budget: { wall: ${value} }`, "budget.wall", DURATION);
  });

  it.each(["0s", "-1m", "later", "[5m]", "999"])("retry.backoff: %s", (value) => {
    expectProblem(`retry: { backoff: ${value} }`, "retry.backoff", DURATION);
  });
});

describe("tokens (budget.tokens)", () => {
  it.each([
    ["-5", /negative/],
    ["2X", /token count like 500k, 2M/],
    ["lots", /got "lots"/],
    ["1.5", /whole number/],
    ["0.0001k", /whole number/],
    ["[2M]", /token count/],
    ["true", /token count/],
    ["'2 M tokens'", /token count/],
    ["2000T", /token count/],
    ["5000G", /at most/],
  ])("tokens: %s", (value, message) => {
    expectProblem(`budget: { tokens: ${value} }`, "budget.tokens", message);
  });
});

describe("usd (budget.usd)", () => {
  it.each([
    ["-1", /≥ 0/],
    ["five", /US dollars/],
    ["'5 dollars'", /US dollars/],
    ["[5]", /US dollars/],
    ["true", /US dollars/],
    [".nan", /US dollars/],
    [".inf", /US dollars/],
    ["2000000", /at most/],
    ["'€5'", /US dollars/],
  ])("usd: %s", (value, message) => {
    expectProblem(`budget: { usd: ${value} }`, "budget.usd", message);
  });
});

describe("budget", () => {
  it.each([
    ["5", "budget", /expected a mapping like \{ usd: 5, tokens: 2M, wall: 4h \}, got a number/],
    ["[5, 2M]", "budget", /got a list/],
    ["'5 usd'", "budget", /got text/],
    ["null", "budget", /got nothing \(null\)/],
    ["{ dollars: 5 }", "budget.dollars", /unknown field `dollars`; did you mean `usd`\?/],
    ["{ token: 5 }", "budget.token", /did you mean `tokens`\?/],
    ["{ time: 4h }", "budget.time", /did you mean `wall`\?/],
    ["{ gpu-hours: 3 }", "budget.gpu-hours", /budget takes usd, tokens, wall/],
  ])("budget: %s", (value, path, message) => {
    expectProblem(`budget: ${value}`, path, message);
  });

  it("reports every bad member at once", () => {
    const p = problemsOf("budget: { usd: -1, tokens: lots, wall: 0s }").map((x) => x.path);
    expect(p).toEqual(["budget.usd", "budget.tokens", "budget.wall"]);
  });
});

describe("capabilities and prefers", () => {
  it.each([
    ["[os:beos]", "capabilities[0]", /unknown os "beos"/],
    ["[gpu, 'node>=']", "capabilities[1]", /no version/],
    ["[node>=twenty]", "capabilities[0]", /not a version/],
    ["[':x']", "capabilities[0]", /no key/],
    ["['has:']", "capabilities[0]", /no value/],
    ["[1gpu]", "capabilities[0]", /must start with a letter/],
    ["[42]", "capabilities[0]", /expected a capability/],
    ["{ os: mac }", "capabilities", /expected a list of capabilities/],
    ["[os:mac, os:linux]", "capabilities", /os:mac and os:linux cannot both hold/],
    ["['has:xcode beta']", "capabilities[0]", /value "xcode beta"/],
  ])("capabilities: %s", (value, path, message) => {
    expectProblem(`capabilities: ${value}`, path, message);
  });

  it.each([
    ["['factory mac-2']", "prefers[0]"],
    ["[os:plan9]", "prefers[0]"],
    ["{ factory: mac-2 }", "prefers"],
    ["[gpu, null]", "prefers[1]"],
    ["['a>=b']", "prefers[0]"],
  ])("prefers: %s", (value, path) => {
    expectProblem(`prefers: ${value}`, path);
  });

  it("a list longer than 200 is refused", () => {
    expectProblem(`capabilities: [${Array.from({ length: 201 }, (_, i) => `t${i}`).join(", ")}]`, "capabilities", /at most 200/);
  });
});

describe("retry", () => {
  it.each([
    ["3", "retry", /expected a mapping like \{ max: 2, backoff: 5m/],
    ["{ max: 50 }", "retry.max", /from 0 to 20, got 50/],
    ["{ max: -1 }", "retry.max", /from 0 to 20, got -1/],
    ["{ max: 1.5 }", "retry.max", /whole number/],
    ["{ max: two }", "retry.max", /whole number/],
    ["{ on: [timeout, crash] }", "retry.on[1]", /expected one of timeout, verify_failed, agent_failed, lease_lost, got "crash"/],
    ["{ on: [timout] }", "retry.on[0]", /did you mean `timeout`\?/],
    ["{ on: [] }", "retry.on", /list at least one/],
    ["{ on: { timeout: true } }", "retry.on", /expected a list/],
    ["{ attempts: 3 }", "retry.attempts", /did you mean `max`\?/],
    ["{ delay: 5m }", "retry.delay", /did you mean `backoff`\?/],
    ["[timeout]", "retry", /got a list/],
  ])("retry: %s", (value, path, message) => {
    expectProblem(`retry: ${value}`, path, message);
  });
});

describe("review-policy", () => {
  it.each([
    ["sometimes", "review-policy", /expected auto, manual or \{ reviewers: \["@alice"\] \}, got "sometimes"/],
    ["atuo", "review-policy", /did you mean `auto`\?/],
    ["true", "review-policy", /got a boolean/],
    ["['@alice']", "review-policy", /got a list/],
    ["{ reviewers: [alice] }", "review-policy.reviewers[0]", /"alice" is not a reviewer: write @alice or @org\/team/],
    ["{ reviewers: [] }", "review-policy.reviewers", /at least one reviewer/],
    ["{ reviewers: '@alice' }", "review-policy", /./],
    ["{ reviewer: ['@alice'] }", "review-policy.reviewer", /did you mean `reviewers`\?/],
    ["{ reviewers: ['@alice', 'bob smith'] }", "review-policy.reviewers[1]", /not a reviewer/],
    ["{}", "review-policy.reviewers", /expected a list/],
  ])("review-policy: %s", (value, path, message) => {
    if (value === "{ reviewers: '@alice' }") {
      // a single reviewer counts as a list of one
      expect(() => problemsOf(`review-policy: ${value}`)).toThrow(/expected problems/);
      return;
    }
    expectProblem(`review-policy: ${value}`, path, message);
  });
});

describe("deps", () => {
  it.each([
    ["[a, a]", "deps[1]", /listed twice \(also at \[0\]\)/],
    ["['has space']", "deps[0]", /not a job id or idempotency key/],
    ["['']", "deps[0]", /empty/],
    ["[-lead]", "deps[0]", /start with a letter or digit/],
    ["{ a: 1 }", "deps", /expected a list of job ids/],
    ["[[a]]", "deps[0]", /got a list/],
    ["'a, b'", "deps", /write a list: \[a, b\]/],
    ["[1.5]", "deps[0]", /expected a job id/],
    ["[x, null]", "deps[1]", /null/],
  ])("deps: %s", (value, path, message) => {
    expectProblem(`deps: ${value}`, path, message);
  });

  it("a job cannot depend on itself (its own idempotency-key)", () => {
    expectProblem("idempotency-key: me\ndeps: [other, me]", "deps[1]", /cannot depend on itself/);
  });
});

describe("allowed-scope", () => {
  it.each([
    ["[/etc/**]", "allowed-scope[0]", /is absolute/],
    ["['C:/src/**']", "allowed-scope[0]", /is absolute/],
    ["['~/code/**']", "allowed-scope[0]", /is absolute/],
    ["['../other/**']", "allowed-scope[0]", /uses '\.\.'/],
    ["['src/../../x']", "allowed-scope[0]", /uses '\.\.'/],
    ["['src/[z-a]']", "allowed-scope[0]", /not a valid glob/],
    ["['src/{a,b']", "allowed-scope[0]", /not a valid glob/],
    ["['']", "allowed-scope[0]", /empty/],
    ["['./']", "allowed-scope[0]", /names no path/],
    ["[42]", "allowed-scope[0]", /expected a glob/],
    ["{ src: '**' }", "allowed-scope", /expected a list of globs/],
  ])("allowed-scope: %s", (value, path, message) => {
    expectProblem(`allowed-scope: ${value}`, path, message);
  });
});

describe("artifacts", () => {
  it.each([
    ["[diffs]", "artifacts[0]", /unknown artifact "diffs".*did you mean `diff`\?/],
    ["[logs]", "artifacts[0]", /unknown artifact "logs"/],
    ["[screenshot]", "artifacts[0]", /did you mean `screenshots`\?/],
    ["['/var/log/**']", "artifacts[0]", /is absolute/],
    ["['../out/*.zip']", "artifacts[0]", /uses '\.\.'/],
    ["['dist/[z-a].zip']", "artifacts[0]", /not a valid glob/],
    ["[true]", "artifacts[0]", /expected diff, coverage, screenshots, build-logs or a glob/],
    ["{ diff: true }", "artifacts", /expected a list of artifacts/],
  ])("artifacts: %s", (value, path, message) => {
    expectProblem(`artifacts: ${value}`, path, message);
  });
});

describe("the other fields", () => {
  it.each([
    ["engine: 42", "engine", /expected an engine name/],
    ["engine: 'claude code'", "engine", /not an engine name/],
    ["engine: cladue!", "engine", /not an engine name.*did you mean `claude`\?/],
    ["cwd: relative/dir", "cwd", /without repo, cwd must be an absolute path/],
    ["repo: https://github.com/a/b.git\ncwd: /abs", "cwd", /with repo set, cwd is relative/],
    ["repo: https://github.com/a/b.git\ncwd: ../up", "cwd", /may not leave the checkout/],
    ["cwd: ''", "cwd", /empty/],
    ["cwd: \"/a\\nb\"", "cwd", /control character/],
    ["repo: 'https://github.com/a b'", "repo", /no spaces/],
    ["repo: ftp://example.com/x.git", "repo", /not a git transport/],
    ["repo: 'https://user:hunter2@example.com/x.git'", "repo", /a password in a URL|contains a password/],
    ["repo: 'https://'", "repo", /not a valid URL|no host/],
    ["repo: 7", "repo", /expected a git URL or path/],
    ["yolo: yes", "yolo", /YAML 1\.2 reads yes as text/],
    ["yolo: 1", "yolo", /expected true or false, got a number/],
    ["lock: 'two words'", "lock", /not a lock name/],
    ["lock: [a]", "lock", /expected a lock name, got a list/],
    ["verify: ''", "verify", /empty/],
    ["verify: [npm test]", "verify", /expected a shell command/],
    ["profile: Backend_Engineer", "profile", /not a profile name/],
    ["engine-class: Agentic Coder", "engine-class", /not an engine class/],
    ["priority: urgent", "priority", /expected critical, high, medium, low, got "urgent"/],
    ["priority: hgih", "priority", /did you mean `high`\?/],
    ["priority: 1", "priority", /expected critical, high, medium, low/],
    ["idempotency-key: ''", "idempotency-key", /empty/],
    ["idempotency-key: 'a b'", "idempotency-key", /not an idempotency key/],
    ["tracker-item: 'LIN 123'", "tracker-item", /not a tracker item id/],
    ["product: 'my product'", "product", /not a product id/],
    ["timeout: null", "timeout", /got nothing \(null\)/],
  ])("%s", (front, path, message) => {
    expectProblem(front, path, message);
  });
});

describe("unknown fields", () => {
  it.each([
    ["priorty: high", "priorty", /unknown field `priorty`; did you mean `priority`\?/],
    ["engin: claude", "engin", /did you mean `engine`\?/],
    ["allowed_scope: [src/**]", "allowed_scope", /did you mean `allowed-scope`\?/],
    ["reviewPolicy: auto", "reviewPolicy", /did you mean `review-policy`\?/],
    ["dependencies: [a]", "dependencies", /did you mean `deps`\?/],
    ["capability: [gpu]", "capability", /did you mean `capabilities`\?/],
    ["colour: blue", "colour", /custom fields must start with x-/],
  ])("%s", (front, path, message) => {
    expectProblem(front, path, message);
  });
});

describe("secrets in the manifest", () => {
  const token = "ghp_" + "Zx9Kq2Lm7Np4Rt6Vw8Yb1Cd3Fg5Hj0Ks2Mn4";

  it.each([
    [`verify: "curl -H 'Authorization: token ${token}' https://api.github.com"`, "verify"],
    [`timeout: ${token}`, "timeout"],
    [`x-token: ${token}`, "x-token"],
    [`engine: ${token}`, "engine"],
    [`deps: [a, ${token}]`, "deps[1]"],
    [`x-nested: { a: [ok, "${token}"] }`, "x-nested.a[1]"],
    [`budget: { usd: "${token}" }`, "budget.usd"],
  ])("%s is refused at its path, without echoing the value", (front, path) => {
    const problems = problemsOf(front);
    expect(problems).toEqual([{ path, message: expect.stringMatching(/looks like a GitHub token: keep secrets out of job files/) }]);
    expect(JSON.stringify(problems)).not.toContain(token.slice(4, 20));
  });

  it("a secret used as a field name is refused without echoing it", () => {
    const problems = problemsOf(`${token}: 1`);
    expect(JSON.stringify(problems)).not.toContain(token.slice(4, 20));
    expect(problems).toEqual([{ path: "(a field name)", message: expect.stringMatching(/GitHub token/) }]);
  });
});
