import { Octokit } from "@octokit/rest";
import { afterAll, describe, expect, it } from "vitest";
import { githubForge } from "./client";
import { GithubForgeError } from "./port";

/**
 * Opt-in: the adapter against real GitHub (issue 15, "done when"). Runs only with GITHUB_TOKEN (a
 * token that may write contents and pull requests of the repository) and FLEET_TEST_REPO
 * (`owner/repo`, a scratch repository); GITHUB_API_URL for GitHub Enterprise. It makes a branch
 * with one commit, opens a draft PR, reads it back (reviews too), finds it by its branch, rewrites
 * its text, is refused a second open (`exists`) and a merge of the draft, then closes the PR and
 * deletes the branch.
 */
const token = process.env.GITHUB_TOKEN ?? "";
const target = process.env.FLEET_TEST_REPO ?? "";
const baseUrl = process.env.GITHUB_API_URL ?? "https://api.github.com";
const skip = !token ? "GITHUB_TOKEN is not set" : !/^[\w.-]+\/[\w.-]+$/.test(target) ? "FLEET_TEST_REPO (owner/repo) is not set" : "";
if (skip) process.stderr.write(`skipped: the live GitHub test (${skip})\n`);

describe.skipIf(Boolean(skip))("GitHub adapter, live", () => {
  const [owner, repo] = target.split("/") as [string, string];
  const ref = { owner, repo };
  const gh = new Octokit({ auth: token, baseUrl, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const branch = `fleet/live-test-${Date.now().toString(36)}`;
  let number: number | undefined;

  afterAll(async () => {
    if (number) await gh.rest.pulls.update({ ...ref, pull_number: number, state: "closed" }).catch(() => undefined);
    await gh.rest.git.deleteRef({ ...ref, ref: `heads/${branch}` }).catch(() => undefined);
  });

  it("opens a draft PR, reads its state, and a merge of the draft is refused with a reason", async () => {
    const { data: r } = await gh.rest.repos.get(ref);
    const { data: base } = await gh.rest.git.getRef({ ...ref, ref: `heads/${r.default_branch}` });
    await gh.rest.git.createRef({ ...ref, ref: `refs/heads/${branch}`, sha: base.object.sha });
    await gh.rest.repos.createOrUpdateFileContents({ ...ref, branch, path: `fleet-live-test/${branch.split("/")[1]}.txt`, message: "fleet live test", content: Buffer.from("live test\n").toString("base64") });

    const forge = githubForge({ token, baseUrl });
    const pr = await forge.openPullRequest(ref, { title: "fleet live test (closed by the test)", body: "Opened by Gigafactory's opt-in live test.", head: branch, base: r.default_branch, draft: true });
    number = pr.number;
    expect(pr).toMatchObject({ state: "open", draft: true, headBranch: branch, baseBranch: r.default_branch });
    expect(pr.headSha).toMatch(/^[0-9a-f]{40}$/);
    const again = await forge.pullRequest(ref, pr.number);
    expect(again.url).toBe(pr.url);
    expect(again.review).toBe("none");
    // adopting it by its branch, the base from the repository, a rewritten text
    expect((await forge.openPullRequestFor(ref, branch))?.number).toBe(pr.number);
    expect(await forge.defaultBranch(ref)).toBe(r.default_branch);
    const retitled = await forge.updatePullRequest(ref, pr.number, { title: "fleet live test (rewritten, closed by the test)", body: "Rewritten by the live test." });
    expect(retitled.number).toBe(pr.number);
    // opening it again is refused as `exists`
    const dup = await forge.openPullRequest(ref, { title: "dup", body: "", head: branch, base: r.default_branch, draft: true }).then(() => undefined, (x: unknown) => x);
    expect((dup as GithubForgeError).reason).toBe("exists");
    const e = await forge.merge(ref, pr.number, "squash", pr.headSha).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(GithubForgeError);
    process.stderr.write(`live: merging a draft PR was refused: ${(e as GithubForgeError).reason} (${(e as GithubForgeError).status}) ${(e as Error).message}\n`);
  });
});
