import { afterAll, beforeAll, expect, it } from "vitest";
import { getJob } from "@/server/coordinator/jobs";
import { scenario } from "@/server/coordinator/policies/scenario-harness";
import { isFleetError } from "@/server/errors";
import { forgeConfig } from "@/server/forge";
import { githubAdapter } from "@/server/forge/github/adapter";
import { githubForge } from "@/server/forge/github/client";
import { withStore } from "@/server/store/testing";
import { startGithubDouble, type GithubDouble } from "../harness/github-double";

/**
 * Issue 15 item 1: protected branches are never pushed directly. On GitHub the coordinator asks
 * the forge (GET /repos/{owner}/{repo}/branches/{branch}, the double checking request and answer
 * against GitHub's OpenAPI description); a `delivery: merge` job whose base is protected is
 * refused at submit naming manifest.delivery.
 */
let gh: GithubDouble;
const sqlite = withStore("sqlite");
beforeAll(async () => {
  gh = await startGithubDouble();
  gh.addRepo("acme", "locked", { branches: { main: "a".repeat(40), dev: "b".repeat(40) }, protectedBranches: ["main"] });
});
afterAll(async () => {
  expect(gh.problems.splice(0)).toEqual([]);
  await gh.close();
});

it("the client reads a branch's protection", async () => {
  const client = githubForge({ token: gh.token, baseUrl: gh.url });
  expect(await client.branchProtected({ owner: "acme", repo: "locked" }, "main")).toBe(true);
  expect(await client.branchProtected({ owner: "acme", repo: "locked" }, "dev")).toBe(false);
});

it("delivery: merge onto a protected GitHub branch (named or the default) is refused at submit; an unprotected base is taken", async () => {
  const s = scenario(await sqlite.newStore());
  s.ctx.profiles = { list: async () => [], get: async () => undefined, resolve: async (spec, _set, name) => ({ spec, name, version: "1", allowDirectPush: true }) };
  s.ctx.forge = forgeConfig({ githubApiUrl: gh.url, adapters: [githubAdapter({ token: gh.token, apiUrl: gh.url, mergeMethod: "squash" })] });
  const repo = gh.cloneUrl("acme", "locked");
  const refusal = async (m: Record<string, unknown>) => {
    const e = await s.submit({ repo, delivery: "merge", profile: "pusher", ...m }).then(() => undefined, (x: unknown) => x);
    return isFleetError(e) && e.code === "validation" ? (e as { errors?: unknown }).errors : e;
  };
  expect(await refusal({ "base-branch": "main" })).toEqual([{ path: "manifest.delivery", message: expect.stringMatching(/straight to main, which is a protected branch on github: use delivery: pr/) }]);
  expect(await refusal({})).toEqual([{ path: "manifest.delivery", message: expect.stringMatching(/protected branch/) }]);
  const ok = await s.submit({ repo, delivery: "merge", "base-branch": "dev", profile: "pusher" });
  expect((await getJob(s.ctx, ok.id)).delivery).toMatchObject({ mode: "merge", baseBranch: "dev" });
});
