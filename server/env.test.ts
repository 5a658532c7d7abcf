import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvError, envSchema, parseEnv } from "./env";

describe("parseEnv", () => {
  it("defaults every setting on an empty environment", () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe("127.0.0.1");
    expect(env.FLEET_STORE).toBe("sqlite");
    expect(env.FLEET_DATA_DIR).toBe(".data");
    expect(env.FLEET_PRODUCT).toBe("default");
    expect(env.FLEET_LEASE_TTL_MS).toBe(60_000);
    expect(env.FLEET_HEARTBEAT_MS).toBe(10_000);
  });

  it("names the bad variable", () => {
    expect(() => parseEnv({ PORT: "eighty" })).toThrow(EnvError);
    try {
      parseEnv({ PORT: "eighty", FLEET_STORE: "mongo" });
    } catch (e) {
      const problems = (e as EnvError).problems.map((p) => p.variable).sort();
      expect(problems).toEqual(["FLEET_STORE", "PORT"]);
      expect((e as Error).message).toContain(".env.example");
    }
  });

  it("reads scheduler weights and SLA targets, naming the variable and the scorer of a bad one", () => {
    const env = parseEnv({ FLEET_SCHED_WEIGHTS: "fairness=6, load=2.5", FLEET_SLA_CRITICAL: "2m", FLEET_SLA_LOW: "1d" });
    expect(env.FLEET_SCHED_WEIGHTS).toEqual({ fairness: 6, load: 2.5 });
    expect(env.FLEET_SLA_CRITICAL).toBe(120_000);
    expect(env.FLEET_SLA_LOW).toBe(86_400_000);
    const problems = (source: Record<string, string>) => {
      try {
        parseEnv(source);
      } catch (e) {
        return (e as EnvError).problems;
      }
      throw new Error("accepted");
    };
    expect(problems({ FLEET_SCHED_WEIGHTS: "fairnes=2" })).toEqual([{ variable: "FLEET_SCHED_WEIGHTS", message: expect.stringMatching(/^fairnes: not a scorer \(one of capability-fit, /) }]);
    expect(problems({ FLEET_SCHED_WEIGHTS: "load=-1" })).toEqual([{ variable: "FLEET_SCHED_WEIGHTS", message: 'load: expected a number from 0 to 100, got "-1"' }]);
    expect(problems({ FLEET_SCHED_WEIGHTS: "load" })[0]!.message).toMatch(/expected scorer=weight/);
    expect(problems({ FLEET_SLA_HIGH: "soon" })).toEqual([{ variable: "FLEET_SLA_HIGH", message: expect.stringContaining("expected a duration like 90s") }]);
  });

  it("requires the Cosmos connection when FLEET_STORE=cosmos", () => {
    try {
      parseEnv({ FLEET_STORE: "cosmos" });
      expect.unreachable();
    } catch (e) {
      expect((e as EnvError).problems.map((p) => p.variable).sort()).toEqual(["COSMOS_ENDPOINT", "COSMOS_KEY"]);
    }
  });

  it("refuses a heartbeat that is not shorter than the lease", () => {
    expect(() => parseEnv({ FLEET_LEASE_TTL_MS: "5000", FLEET_HEARTBEAT_MS: "5000" })).toThrow(/FLEET_HEARTBEAT_MS/);
  });

  it("refuses an admin password shorter than 12 characters", () => {
    expect(() => parseEnv({ FLEET_ADMIN_PASSWORD: "short" })).toThrow(/FLEET_ADMIN_PASSWORD: at least 12/);
    expect(parseEnv({ FLEET_ADMIN_PASSWORD: "a-long-enough-pw" }).FLEET_ADMIN_PASSWORD).toBe("a-long-enough-pw");
  });

  it("reads the GitHub forge settings: merge method and poll period, naming a bad one", () => {
    const env = parseEnv({});
    expect([env.GITHUB_TOKEN, env.FLEET_GITHUB_MERGE_METHOD, env.FLEET_GITHUB_POLL_MS]).toEqual([undefined, "squash", 60_000]);
    expect(parseEnv({ GITHUB_TOKEN: "github_pat_x", FLEET_GITHUB_MERGE_METHOD: "rebase", FLEET_GITHUB_POLL_MS: "0" })).toMatchObject({ GITHUB_TOKEN: "github_pat_x", FLEET_GITHUB_MERGE_METHOD: "rebase", FLEET_GITHUB_POLL_MS: 0 });
    try {
      parseEnv({ FLEET_GITHUB_MERGE_METHOD: "fast-forward" });
      expect.unreachable();
    } catch (e) {
      expect((e as EnvError).problems.map((p) => p.variable)).toEqual(["FLEET_GITHUB_MERGE_METHOD"]);
    }
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ PORT: "", FLEET_ADMIN_TOKEN: "" }).PORT).toBe(3000);
  });
});

describe(".env.example", () => {
  // It is the documentation of the settings: a variable parsed here but missing there is undocumented.
  const example = readFileSync(path.resolve(__dirname, "../.env.example"), "utf8");
  it.each(Object.keys(envSchema.shape))("documents %s with a comment above it", (name) => {
    const lines = example.split("\n");
    const at = lines.findIndex((l) => new RegExp(`^(# )?${name}=`).test(l));
    expect(at, `${name} is not in .env.example`).toBeGreaterThan(0);
    // the comment may sit above a group of variables (PORT / HOST): walk up to it
    let i = at - 1;
    while (i > 0 && /^(# )?[A-Z][A-Z0-9_]*=/.test(lines[i]!)) i--;
    expect(lines[i]).toMatch(/^# /);
  });
});
