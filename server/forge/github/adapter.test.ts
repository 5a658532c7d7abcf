import { describe, expect, it } from "vitest";
import { forgeConfig, forgeFor } from "@/server/forge";
import { githubAdapter, githubShipPlan } from "./adapter";

/** The GitHub adapter in the forge port: which repositories it serves, and what Ship says it will do. */
const adapter = (apiUrl: string) => githubAdapter({ token: "github_pat_x", apiUrl, mergeMethod: "squash" });
const pr = { forge: "github" as const, owner: "acme", repo: "shop", number: 12, url: "u", draft: false, headSha: "a", mergeable: true, mergeableState: "clean", checks: "passing" as const, review: "none" as const, refreshedAt: 0 };

describe("the GitHub forge adapter", () => {
  it("serves repositories on its host only (github.com, a GHE host, or host:port of a test double)", () => {
    expect(adapter("https://api.github.com").serves("https://github.com/acme/shop.git")).toBe(true);
    expect(adapter("https://api.github.com").serves("git@github.com:acme/shop.git")).toBe(true);
    expect(adapter("https://api.github.com").serves("https://gitlab.com/acme/shop.git")).toBe(false);
    expect(adapter("https://ghe.corp/api/v3").serves("https://ghe.corp/acme/shop.git")).toBe(true);
    expect(adapter("http://127.0.0.1:4555").serves("http://127.0.0.1:4555/acme/shop.git")).toBe(true);
    expect(adapter("http://127.0.0.1:4555").serves("http://127.0.0.1:4556/acme/shop.git")).toBe(false);
    expect(adapter("http://127.0.0.1:4555").pulls!.ref("http://127.0.0.1:4555/acme/shop.git")).toEqual({ owner: "acme", repo: "shop" });
  });

  it("is picked before plain git for its repositories; others fall through to plain git", () => {
    const config = forgeConfig({ githubApiUrl: "https://ghe.corp/api/v3", adapters: [adapter("https://ghe.corp/api/v3")] });
    expect(config.hosts).toEqual(["github.com", "ghe.corp"]);
    // people open its pages where its API is; a port (a test double's, a GHE on 8443) stays on
    expect(config.webHost).toBe("ghe.corp");
    expect(forgeConfig({ githubApiUrl: "http://127.0.0.1:4555" }).webHost).toBe("127.0.0.1:4555");
    expect(forgeConfig({ githubApiUrl: "https://api.github.com" }).webHost).toBeUndefined();
    expect(forgeFor(config, "https://ghe.corp/acme/shop.git").kind).toBe("github");
    expect(forgeFor(config, "https://git.example.com/acme/shop.git").kind).toBe("git");
  });

  it("says what Ship will do: merge the PR with the method, open one first, or plain git for a branch job", () => {
    const d = { mode: "pr" as const, branch: "fleet/j-1-x", baseBranch: "main" };
    expect(githubShipPlan(d, "squash")).toEqual({ kind: "merge_pr", method: "squash", label: "open a pull request for fleet/j-1-x, then merge it (squash)" });
    expect(githubShipPlan({ ...d, pr: { ...pr, state: "open" } }, "rebase")).toEqual({ kind: "merge_pr", method: "rebase", number: 12, label: "Merge PR #12 (rebase)" });
    expect(githubShipPlan({ ...d, pr: { ...pr, state: "merged" } }, "squash").label).toBe("PR #12 is merged");
    expect(githubShipPlan({ ...d, mode: "branch" }, "squash")).toEqual({ kind: "merge_task", label: "merge fleet/j-1-x into main and push" });
  });
});
