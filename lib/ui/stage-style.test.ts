import { describe, expect, it } from "vitest";
import { PRIORITIES, STAGES } from "../types";
import { priorityRank, priorityStyle, stageStyle, STAGE_STYLE } from "./stage-style";

describe("badge styles", () => {
  it("gives every stage its own colour", () => {
    const colours = STAGES.map((s) => STAGE_STYLE[s].bg);
    expect(new Set(colours).size).toBe(STAGES.length);
  });
  it("labels unknown values instead of crashing", () => {
    expect(stageStyle("weird").label).toBe("weird");
    expect(priorityStyle("urgent").label).toBe("urgent");
  });
  it("ranks priorities critical first", () => {
    expect(PRIORITIES.map(priorityRank)).toEqual([0, 1, 2, 3]);
    expect(priorityRank("nope")).toBe(4);
  });
});
