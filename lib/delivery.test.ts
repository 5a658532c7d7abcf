import { describe, expect, it } from "vitest";
import { branchFor, deliveryProblems, effectiveDelivery, repoHost, slugOf } from "./delivery";

describe("effectiveDelivery", () => {
  it("is the manifest's when set; pr on a known forge; branch on another remote; none without a repo or for one on this machine", () => {
    expect(effectiveDelivery({ repo: "https://github.com/a/b.git" })).toBe("pr");
    expect(effectiveDelivery({ repo: "git@github.com:a/b.git" })).toBe("pr");
    expect(effectiveDelivery({ repo: "https://GitHub.com/a/b" })).toBe("pr");
    expect(effectiveDelivery({ repo: "https://ghe.acme.io/a/b.git" })).toBe("branch");
    expect(effectiveDelivery({ repo: "https://ghe.acme.io/a/b.git" }, ["github.com", "ghe.acme.io"])).toBe("pr");
    expect(effectiveDelivery({ repo: "file:///srv/git/b.git" })).toBe("none");
    expect(effectiveDelivery({ repo: "/srv/git/b" })).toBe("none");
    expect(effectiveDelivery({ repo: "/srv/git/b", delivery: "branch" })).toBe("branch");
    expect(effectiveDelivery({ repo: "https://github.com/a/b.git", delivery: "merge" })).toBe("merge");
    expect(effectiveDelivery({})).toBe("none");
  });
});

describe("repoHost", () => {
  it("reads URLs and scp-like addresses, not local or Windows paths", () => {
    expect(repoHost("ssh://git@host.example:2222/a.git")).toBe("host.example");
    expect(repoHost("me@host.example:a/b.git")).toBe("host.example");
    expect(repoHost("host.example:a/b.git")).toBe("host.example");
    expect(repoHost("C:\\work\\repo")).toBeUndefined();
    expect(repoHost("./repo")).toBeUndefined();
    expect(repoHost("file:///x")).toBeUndefined();
  });
});

describe("branchFor", () => {
  it("fills <job-id> and <slug> from the job; the default is fleet/<job-id>-<slug>", () => {
    expect(branchFor(undefined, { id: "j-1a", title: "Add rate limits to the API!" })).toBe("fleet/j-1a-add-rate-limits-to-the-api");
    expect(branchFor("bots/<job-id>", { id: "j-1a", title: "x" })).toBe("bots/j-1a");
    expect(slugOf("Ünïcode — títle")).toBe("unicode-title");
    expect(slugOf("!!!")).toBe("job");
    expect(slugOf("a".repeat(100)).length).toBe(40);
  });
});

describe("deliveryProblems", () => {
  it("refuses merge unless the profile allows direct push, at the path delivery", () => {
    expect(deliveryProblems({ delivery: "merge" })).toEqual([{ path: "delivery", message: expect.stringMatching(/names no profile.*allow-direct-push: true/) }]);
    expect(deliveryProblems({ delivery: "merge" }, { name: "dev", "allow-direct-push": false })).toEqual([
      { path: "delivery", message: expect.stringMatching(/profile dev does not set allow-direct-push: true/) },
    ]);
    expect(deliveryProblems({ delivery: "merge" }, { name: "ops", "allow-direct-push": true })).toEqual([]);
    expect(deliveryProblems({ delivery: "branch" })).toEqual([]);
    expect(deliveryProblems({})).toEqual([]);
  });
});
