import { appendFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { agentSandbox, buildAgent, killAllAgents, startAgent } from "../../agent/test/agent-process";
import { call, type HttpResult } from "./factory";
import { startGithubDouble, type GithubDouble } from "./github-double";
import { startInProcess, type InProcessApp } from "./in-process";

/**
 * The control plane in process (real route handlers over HTTP, SQLite) with GITHUB_API_URL on the
 * GitHub double, and one real fleet-agent (the built bundle) whose git credential for the double's
 * host is the double's token, so it clones from and pushes to the double's own git. Registers the
 * file's hooks: started before all, the double's OpenAPI problems expected empty after each test,
 * everything stopped after all. The real sweeper's poll stays out of the way (FLEET_GITHUB_POLL_MS
 * an hour): the tests call the poll themselves.
 *
 *   const fleet = githubFleet({ settings: { FLEET_GITHUB_MERGE_METHOD: "squash" }, routes: [...], agent: "gh-1" });
 *   fleet.gh, fleet.app, fleet.api, await fleet.get("/jobs/j-1"), await fleet.act(id, { action: "ship" })
 */
export interface GithubFleet {
  readonly gh: GithubDouble;
  readonly app: InProcessApp;
  /** `${app.url}/api/fleet` */
  readonly api: string;
  /** GET as the admin */
  get(path: string): Promise<HttpResult>;
  /** POST /jobs/{id}/actions as the admin */
  act(id: string, body: Record<string, unknown>): Promise<HttpResult>;
}

export function githubFleet(o: { settings?: Record<string, string>; routes: Parameters<typeof startInProcess>[1]; agent: string }): GithubFleet {
  let gh: GithubDouble | undefined;
  let app: InProcessApp | undefined;
  const sandbox = agentSandbox();
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error("githubFleet: used before its beforeAll ran");
    return v;
  };

  beforeAll(async () => {
    buildAgent();
    gh = await startGithubDouble();
    app = await startInProcess({ GITHUB_TOKEN: gh.token, GITHUB_API_URL: gh.url, FLEET_GITHUB_POLL_MS: "3600000", FLEET_HEARTBEAT_MS: "300", ...o.settings }, o.routes);
    // The factory's own git credential for the double's host (presence only: cred:git:127.0.0.1).
    appendFileSync(sandbox.config, `git:\n  127.0.0.1:\n    username: x-access-token\n    token: ${gh.token}\n`);
    startAgent({ server: app.url, token: app.enrollmentToken, name: o.agent, sandbox });
  }, 120_000);
  afterEach(() => {
    expect(gh?.problems.splice(0)).toEqual([]);
  });
  afterAll(async () => {
    await killAllAgents();
    await app?.stop();
    await gh?.close();
    sandbox.cleanup();
  });

  const fleet: GithubFleet = {
    get gh() {
      return started(gh);
    },
    get app() {
      return started(app);
    },
    get api() {
      return `${started(app).url}/api/fleet`;
    },
    get: (p) => call(`${fleet.api}${p}`, { token: fleet.app.adminToken }),
    act: (id, body) => call(`${fleet.api}/jobs/${id}/actions`, { token: fleet.app.adminToken, json: body }),
  };
  return fleet;
}
