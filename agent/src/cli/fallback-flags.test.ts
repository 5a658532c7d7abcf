import { describe, expect, it } from "vitest";
import { FALLBACK_AFTER_MS, parseFlags, resolveOptions } from "./args";
import { UsageError } from "./usage-error";

const refused = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("expected a usage error");
};

describe("--fallback DIR [--fallback-after D]", () => {
  it("takes a folder and a duration (default 2 minutes) next to --server", () => {
    const o = resolveOptions(parseFlags(["--server", "http://127.0.0.1:3000", "--fallback", "/tmp/q", "--fallback-after", "90s"]), {}, undefined);
    expect(o.fallback).toEqual({ dir: "/tmp/q", afterMs: 90_000, offlineOnly: false });
    const d = resolveOptions(parseFlags(["--server", "http://127.0.0.1:3000", "--fallback", "q"]), {}, undefined);
    expect(d.fallback).toEqual({ dir: expect.stringMatching(/\/q$/), afterMs: FALLBACK_AFTER_MS, offlineOnly: false });
    expect(FALLBACK_AFTER_MS).toBe(120_000);
    expect(o.fallback?.offlineOnly).toBe(false);
    const only = resolveOptions(parseFlags(["--server", "http://127.0.0.1:3000", "--fallback", "/tmp/q", "--offline-only"]), {}, undefined);
    expect(only.fallback).toEqual({ dir: "/tmp/q", afterMs: FALLBACK_AFTER_MS, offlineOnly: true });
  });

  it("each misuse is refused with a message naming the flag", () => {
    expect(refused(() => parseFlags(["--fallback-after", "2m"]))).toMatch(/^--fallback-after: .*pass --fallback too/);
    expect(refused(() => parseFlags(["--fallback", "/tmp/q", "--fallback-after", "soon"]))).toMatch(/^--fallback-after: "soon": expected a duration/);
    expect(refused(() => parseFlags(["--fallback", "/tmp/q", "--fallback-after=-5m"]))).toMatch(/^--fallback-after: .*negative/);
    expect(refused(() => parseFlags(["--fallback", "/tmp/q", "--fallback-after", "500"]))).toMatch(/^--fallback-after: .*500s/);
    expect(refused(() => parseFlags(["--offline", "/tmp/a", "--fallback", "/tmp/q"]))).toMatch(/^--fallback: --offline DIR already runs the folder queue/);
    expect(refused(() => parseFlags(["--fallback", ""]))).toMatch(/^--fallback needs a value/);
    expect(refused(() => parseFlags(["--server", "http://127.0.0.1:3000", "--offline-only"]))).toMatch(/^--offline-only: .*pass --fallback too/);
    expect(refused(() => parseFlags(["--offline", "/tmp/a", "--offline-only"]))).toMatch(/^--offline-only: .*pass --fallback too/);
    expect(refused(() => parseFlags(["--fallback", "/tmp/q", "--offline-only=yes"]))).toMatch(/offline-only/);
    expect(refused(() => resolveOptions(parseFlags(["--fallback", "/tmp/q"]), {}, undefined))).toMatch(/^--fallback: .*pass --server URL/);
  });
});
