import { describe, expect, it } from "vitest";
import { classifyMessage } from "./job-live";

describe("classifyMessage", () => {
  it("reads the coordinator's run:log messages as log chunks", () => {
    const m = classifyMessage({ id: "3.7", event: "run:log", data: JSON.stringify({ stream: "stderr", text: "boom\n", epoch: 1, at: "x" }) });
    expect(m).toEqual({ log: { stream: "stderr", text: "boom\n" } });
  });
  it("reads event messages as timeline events", () => {
    const m = classifyMessage({ id: "4.7", event: "stage:changed", data: JSON.stringify({ seq: 4, type: "stage:changed", at: "t", data: { from: "a", to: "b" } }) });
    expect(m.event).toEqual({ seq: 4, type: "stage:changed", at: "t", data: { from: "a", to: "b" } });
  });
  it("ignores what it does not know", () => {
    expect(classifyMessage({ id: undefined, event: undefined, data: "not json" })).toEqual({});
  });
});
