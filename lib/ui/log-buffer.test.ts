import { describe, expect, it } from "vitest";
import { appendChunk, emptyLogBuffer, visibleLines } from "./log-buffer";

describe("log buffer", () => {
  it("splits chunks into lines and joins a line cut across chunks", () => {
    let s = emptyLogBuffer();
    s = appendChunk(s, { id: "1", stream: "stdout", text: "one\ntw" });
    expect(visibleLines(s).map((l) => l.text)).toEqual(["one", "tw"]);
    s = appendChunk(s, { id: "2", stream: "stdout", text: "o\nthree\n" });
    expect(visibleLines(s).map((l) => l.text)).toEqual(["one", "two", "three"]);
    expect(s.lastEventId).toBe("2");
  });
  it("ignores a repeated message id (replayed after a reconnect)", () => {
    const s1 = appendChunk(emptyLogBuffer(), { id: "7", stream: "stdout", text: "x\n" });
    const s2 = appendChunk(s1, { id: "7", stream: "stdout", text: "x\n" });
    expect(s2).toBe(s1);
    expect(s2.lines).toHaveLength(1);
  });
  it("keeps only the last max lines and counts the dropped", () => {
    let s = emptyLogBuffer();
    for (let i = 0; i < 10; i++) s = appendChunk(s, { id: String(i), stream: "stderr", text: `l${i}\n` }, 4);
    expect(s.lines.map((l) => l.text)).toEqual(["l6", "l7", "l8", "l9"]);
    expect(s.dropped).toBe(6);
  });
  it("keeps stdout and stderr partials apart", () => {
    let s = emptyLogBuffer();
    s = appendChunk(s, { id: "a", stream: "stdout", text: "out" });
    s = appendChunk(s, { id: "b", stream: "stderr", text: "err\n" });
    expect(visibleLines(s).map((l) => `${l.stream}:${l.text}`)).toEqual(["stderr:err", "stdout:out"]);
  });
});
