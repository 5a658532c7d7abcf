/** The operator's weights arrive in the snapshot: they change the score terms, and with them the winner. */
import { describe, expect, it } from "vitest";
import { createIndex, placeJob } from "./index";
import { factory, job, snapshot } from "./fixtures/build";

describe("snapshot weights", () => {
  // warm has the job's repository checked out but is busy; idle has no checkout.
  const fleet = [factory("warm", { warmRepos: ["web"], load: 0.9 }), factory("idle", { load: 0 })];
  const jobs = [job("j", { manifest: { repo: "web" } })];

  it("default weights: the warm checkout wins; a heavier load weight sends the job to the idle factory", () => {
    const index = createIndex();
    const before = placeJob(snapshot({ jobs, factories: fleet }), "j", { index });
    expect(before.kind === "placed" && before.factoryId).toBe("warm");
    const after = placeJob(snapshot({ jobs, factories: fleet, weights: { load: 5 } }), "j", { index });
    expect(after.kind === "placed" && after.factoryId).toBe("idle");
    if (after.kind !== "placed") throw new Error("unplaced");
    // The explanation carries the weight the decision was made with, and only that one changed.
    expect(after.terms.find((t) => t.name === "load")?.weight).toBe(5);
    expect(after.terms.find((t) => t.name === "warm-checkout")?.weight).toBe(1);
    // The same index, without the snapshot's weights, decides as before: nothing stuck.
    const again = placeJob(snapshot({ jobs, factories: fleet }), "j", { index });
    expect(again).toEqual(before);
  });
});
