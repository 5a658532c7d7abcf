// The delivery fields of CONTRACT §1 (`delivery`, `base-branch`, `branch`): accepted forms,
// defaults, and a precise error naming the path for each kind of bad input.
import { describe, expect, it } from "vitest";
import { parseJobObject } from "./index";
import { expectProblem, manifestOf } from "./test-helpers";

const REPO = "repo: https://git.example.com/acme/shop.git\n";

describe("delivery", () => {
  it("takes pr, branch, merge or none (case folded); unset by default", () => {
    for (const d of ["pr", "branch", "merge", "none"]) expect(manifestOf(`${REPO}delivery: ${d}`).delivery).toBe(d);
    expect(manifestOf(`${REPO}delivery: PR`).delivery).toBe("pr");
    expect(manifestOf(REPO).delivery).toBeUndefined();
    expect(manifestOf("delivery: none").delivery).toBe("none");
  });

  it("refuses other values with a did-you-mean, at its path", () => {
    expectProblem(`${REPO}delivery: brnach`, "delivery", /expected one of pr, branch, merge, none, got "brnach"; did you mean `branch`/);
    expectProblem(`${REPO}delivery: pull-request`, "delivery", /did you mean `pr`/);
    expectProblem(`${REPO}delivery: 3`, "delivery", /expected one of pr, branch, merge, none, got a number/);
    expectProblem(`${REPO}delivery: [pr]`, "delivery", /got a list/);
  });

  it("needs a repo, except none", () => {
    expectProblem("delivery: branch", "delivery", /needs a repo/);
    expectProblem("base-branch: main", "base-branch", /needs a repo/);
    expectProblem("branch: fleet/<job-id>", "branch", /needs a repo/);
  });

  it("misspelled field names are suggested", () => {
    expectProblem(`${REPO}delivry: pr`, "delivry", /did you mean `delivery`/);
    expectProblem(`${REPO}base_branch: main`, "base_branch", /did you mean `base-branch`/);
    expectProblem(`${REPO}target-branch: main`, "target-branch", /did you mean `base-branch`/);
  });
});

describe("base-branch", () => {
  it("takes a branch name", () => {
    expect(manifestOf(`${REPO}base-branch: main`)["base-branch"]).toBe("main");
    expect(manifestOf(`${REPO}base-branch: release/2.x`)["base-branch"]).toBe("release/2.x");
  });

  it("refuses what git would refuse, saying which rule", () => {
    expectProblem(`${REPO}base-branch: "my branch"`, "base-branch", /no spaces/);
    expectProblem(`${REPO}base-branch: a..b`, "base-branch", /'\.\.'/);
    expectProblem(`${REPO}base-branch: "-x"`, "base-branch", /start with '-'/);
    expectProblem(`${REPO}base-branch: main.lock`, "base-branch", /\.lock/);
    expectProblem(`${REPO}base-branch: "a:b"`, "base-branch", /':'/);
    expectProblem(`${REPO}base-branch: refs/heads/main`, "base-branch", /not HEAD or a refs\//);
    expectProblem(`${REPO}base-branch: 12`, "base-branch", /expected a branch name like main, got a number/);
  });
});

describe("branch", () => {
  it("takes a template with <job-id> (and <slug>)", () => {
    expect(manifestOf(`${REPO}branch: fleet/<job-id>-<slug>`).branch).toBe("fleet/<job-id>-<slug>");
    expect(manifestOf(`${REPO}branch: agents/<job-id>`).branch).toBe("agents/<job-id>");
    expect(manifestOf(REPO).branch).toBeUndefined();
  });

  it("refuses unknown placeholders with a did-you-mean, a template without <job-id>, and what makes no branch", () => {
    expectProblem(`${REPO}branch: fleet/<jobid>`, "branch", /unknown placeholder <jobid>.*did you mean `job-id`/);
    expectProblem(`${REPO}branch: fleet/<title>-<job-id>`, "branch", /unknown placeholder <title>.*did you mean `slug`/);
    expectProblem(`${REPO}branch: fleet/fixed`, "branch", /has no <job-id>/);
    expectProblem(`${REPO}branch: "fleet/<job-id> x"`, "branch", /no spaces/);
    expectProblem(`${REPO}branch: fleet/<job-id>/`, "branch", /end with '\/'/);
    expectProblem(`${REPO}delivery: none\nbranch: fleet/<job-id>`, "branch", /delivery: none/);
  });

  it("JSON submissions name the path under manifest", () => {
    const r = parseJobObject({ manifest: { repo: "https://git.example.com/a.git", delivery: "mrege", branch: "x/<id>" }, body: "do it" });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.errors.map((e) => e.path);
    expect(paths).toEqual(["manifest.delivery", "manifest.branch"]);
  });
});
