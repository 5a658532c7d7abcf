import { describe, expect, it } from "vitest";
import { buildJobEnv } from "./job-env";

const agentEnv = {
  PATH: "/usr/bin",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  HOME: "/root",
  FLEET_ENROLLMENT_TOKEN: "gfe_enrol",
  FLEET_ADMIN_TOKEN: "gfa_admin",
  FLEET_ADMIN_PASSWORD: "hunter22",
  NEXTAUTH_SECRET: "nextauth",
  FLEET_DATA_DIR: "/srv/fleet/.data",
  FLEET_AGENT_CONFIG_DIR: "/root/.config/gigafactory",
  COSMOS_KEY: "cosmos",
  SOME_FUTURE_SECRET: "never-heard-of-it",
  AWS_SECRET_ACCESS_KEY: "aws",
  ANTHROPIC_API_KEY: "sk-ant",
  OPENAI_API_KEY: "sk-openai",
  HTTPS_PROXY: "http://proxy:3128",
};

describe("the job's environment is an allowlist", () => {
  it("a shell job gets the basics, scratch HOME/TMPDIR and its ids; no agent secret, no engine key, nothing unknown", () => {
    const env = buildJobEnv({ env: agentEnv, engine: "shell", home: "/scratch/home", tmp: "/scratch/tmp", job: { jobId: "j1", leaseId: "l1" } });
    expect(env).toEqual({
      PATH: "/usr/bin",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      HTTPS_PROXY: "http://proxy:3128",
      HOME: "/scratch/home",
      TMPDIR: "/scratch/tmp",
      FLEET_JOB_ID: "j1",
      FLEET_LEASE_ID: "l1",
      FLEET_ENGINE: "shell",
    });
  });

  it("an engine gets its own credential variables only, and FLEET_AGENT_PASS_ENV cannot pass the agent's secrets", () => {
    const env = buildJobEnv({
      env: { ...agentEnv, FLEET_AGENT_PASS_ENV: "SOME_FUTURE_SECRET,FLEET_ENROLLMENT_TOKEN,FLEET_ADMIN_TOKEN" },
      engine: "claude",
      home: "/h",
      tmp: "/t",
      extra: { IS_SANDBOX: "1" },
      job: { jobId: "j", leaseId: "l" },
    });
    expect(env.ANTHROPIC_API_KEY).toBe("sk-ant");
    expect(env.AWS_SECRET_ACCESS_KEY).toBe("aws"); // claude on Bedrock
    expect(env.OPENAI_API_KEY).toBeUndefined();
    expect(env.SOME_FUTURE_SECRET).toBe("never-heard-of-it"); // named by the factory owner
    expect(env.IS_SANDBOX).toBe("1");
    for (const k of ["FLEET_ENROLLMENT_TOKEN", "FLEET_ADMIN_TOKEN", "FLEET_ADMIN_PASSWORD", "NEXTAUTH_SECRET", "COSMOS_KEY", "FLEET_DATA_DIR", "FLEET_AGENT_CONFIG_DIR"]) {
      expect(env[k], k).toBeUndefined();
    }
    expect(env.HOME).toBe("/h");
  });
});
