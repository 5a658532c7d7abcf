import { expect, it } from "vitest";
import { forEachProvider } from "@/server/store/testing";
import { isFleetError } from "@/server/errors";
import { actOnJob } from "./actions";
import { UNJUDGED_SCOPE } from "./policies/gates";
import { scenario } from "./policies/scenario-harness";

/**
 * Issue 14 §3, the coordinator's half: the gate judges the commits it will deliver. The agent
 * reports every path a commit in base..HEAD touched (even one a later commit reverted); any of
 * them outside allowed-scope keeps an auto job from shipping, and so does a missing scope report.
 */
const green = { outcome: "succeeded" as const, exitCode: 0, verify: { passed: true, exitCode: 0, output: "ok" } };
const manifest = { verify: "true", "review-policy": "auto", "allowed-scope": ["src/**"] };

forEachProvider(({ newStore }) => {
  it("a commit-then-revert outside allowed-scope is refused even though the final tree is clean", async () => {
    const s = scenario(await newStore());
    const job = await s.submit(manifest, "revert");
    const agent = await s.factory();
    const lease = (await agent.claim())!;
    // The final tree changes only src/a.ts, but a delivered commit touched .github/workflows/ci.yml.
    const done = await agent.complete(lease, { ...green, commits: ["a1b2c3d", "d4e5f6a"], scope: { changed: ["src/a.ts", ".github/workflows/ci.yml"], outOfScope: [] } });
    expect(done.stage).toBe("testing");
    expect((await s.ctx.store.getJob(job.id))!.stage).toBe("testing");
  });

  it("an attempt under allowed-scope with no scope report does not ship on its own", async () => {
    const s = scenario(await newStore());
    const job = await s.submit(manifest, "unjudged");
    const agent = await s.factory();
    const lease = (await agent.claim())!;
    expect((await agent.complete(lease, { ...green, commits: ["a1b2c3d"] })).stage).toBe("testing");
    // Shipping it needs an admin override: the gate names the unjudged scope.
    const err = await actOnJob(s.ctx, job.id, { action: "ship" }, { id: "op@example.com", role: "operator" }).then(() => undefined, (e: unknown) => e);
    expect(isFleetError(err) && err.code).toBe("scope_violation");
    expect((err as Error).message).toContain(UNJUDGED_SCOPE);
  });

  it("a clean scope still ships", async () => {
    const s = scenario(await newStore());
    await s.submit(manifest, "clean");
    const agent = await s.factory();
    const lease = (await agent.claim())!;
    expect((await agent.complete(lease, { ...green, commits: ["a1b2c3d"], scope: { changed: ["src/a.ts"], outOfScope: [] } })).stage).toBe("shipped");
  });
});
