import { describe, expect, it } from "vitest";
import { type EnvError, parseEnv } from "@/server/env";
import { isIntakeLabel, parseLinearRepos } from "@/server/tracker/linear/config";

describe("Linear settings", () => {
  it("maps team keys to repositories", () => {
    const r = parseLinearRepos(" ENG=https://github.com/acme/web.git, OPS=git@github.com:acme/ops.git ");
    expect(r.ok && Object.fromEntries(r.repos)).toEqual({ ENG: "https://github.com/acme/web.git", OPS: "git@github.com:acme/ops.git" });
    expect(parseLinearRepos(undefined)).toEqual({ ok: true, repos: new Map() });
  });

  it("names the entry at fault", () => {
    const cases: [string, RegExp][] = [
      ["ENG", /^entry 1 \("ENG"\): expected TEAMKEY=repository URL/],
      ["eng=https://github.com/a/b.git", /^entry 1 .*not a Linear team key/],
      ["ENG=https://github.com/a/b.git,ENG=https://github.com/a/c.git", /^entry 2 .*team ENG is mapped twice/],
      ["ENG=https://user:pw@github.com/a/b.git", /^entry 1 .*no credentials in the URL/],
      ["ENG=not a url", /^entry 1 .*no spaces/],
      ["ENG=javascript:alert(1)", /^entry 1 .*unsupported scheme/],
    ];
    for (const [text, message] of cases) {
      const r = parseLinearRepos(text);
      expect(r.ok, text).toBe(false);
      expect(!r.ok && r.problems[0], text).toMatch(message);
    }
  });

  it("a bad FLEET_LINEAR_REPOS or label stops the start naming the variable; the API key is kept only as set", () => {
    try {
      parseEnv({ FLEET_LINEAR_REPOS: "ENG=https://github.com/a/b.git,nope" });
      expect.unreachable();
    } catch (e) {
      expect((e as EnvError).problems).toEqual([{ variable: "FLEET_LINEAR_REPOS", message: expect.stringMatching(/^entry 2 \("nope"\)/) }]);
    }
    expect(() => parseEnv({ FLEET_LINEAR_LABEL: "agent run; rm" })).toThrow(/FLEET_LINEAR_LABEL/);
    const env = parseEnv({ LINEAR_API_KEY: "lin_api_x", FLEET_LINEAR_REPOS: "ENG=https://github.com/a/b.git" });
    expect([env.LINEAR_API_KEY, env.FLEET_LINEAR_LABEL, env.LINEAR_API_URL, env.FLEET_LINEAR_REPOS.get("ENG")]).toEqual(["lin_api_x", "agent:run", "https://api.linear.app/graphql", "https://github.com/a/b.git"]);
  });

  it("the intake label, or label:profile, and nothing that merely starts like it", () => {
    expect(isIntakeLabel("agent:run", "agent:run")).toBe(true);
    expect(isIntakeLabel("Agent:Run:frontend", "agent:run")).toBe(true);
    expect(isIntakeLabel("agent:runner", "agent:run")).toBe(false);
    expect(isIntakeLabel("agent:run:", "agent:run")).toBe(false);
    expect(isIntakeLabel(`agent:run:${"x".repeat(70)}`, "agent:run")).toBe(false);
  });
});
