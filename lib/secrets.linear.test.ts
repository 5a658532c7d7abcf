import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createStreamRedactor, redact } from "./secrets";
import { cpuMs } from "./testing/cpu-clock";

/**
 * The detector runs on text a job controls, on the coordinator's event loop: its cost must grow
 * linearly with the input. Each case times `redact` at n and at 8n (n = 128 KiB, so 8n = 1 MiB;
 * a first pair at 32 KiB/256 KiB stops a quadratic rule early instead of running for minutes) and
 * asserts the ratio, not a wall time: linear is ~8, quadratic ~64.
 */
const KiB = 1024;

function fill(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/**
 * Best-of-k CPU times of `small` and `large`, measured alternately so that a busy neighbour (CI runs
 * test files in parallel on two cores) slows both alike; CPU time rather than wall time leaves out the
 * time this process spent preempted, and the minimum drops GC pauses.
 */
function bestPair(small: () => void, large: () => void, runs = 9): [number, number] {
  let a = Infinity;
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    let t = cpuMs();
    small();
    a = Math.min(a, cpuMs() - t);
    t = cpuMs();
    large();
    b = Math.min(b, cpuMs() - t);
  }
  return [Math.max(a, 0.05), Math.max(b, 0.05)];
}

/**
 * Linear growth is a ratio of ~8 for 8x the input, quadratic ~64; the bound of 20 leaves room for
 * cache effects at a megabyte and for a loaded machine while failing anything quadratic.
 */
const MAX_RATIO = 20;

/** time(8n)/time(n) for two pairs of sizes; throws on the first pair that grows super-linearly. */
function expectLinear(make: (n: number) => string, run: (s: string) => void = redact): number[] {
  const ratios: number[] = [];
  for (const n of [32 * KiB, 128 * KiB]) {
    const small = make(n);
    const large = make(8 * n);
    run(small); // warm the JIT on this shape
    const [ts, tl] = bestPair(() => run(small), () => run(large));
    const ratio = tl / ts;
    ratios.push(Number(ratio.toFixed(1)));
    expect(ratio, `time(${(8 * n) / KiB} KiB) / time(${n / KiB} KiB)`).toBeLessThan(MAX_RATIO);
  }
  return ratios;
}

const ADVERSARIAL: [string, (n: number) => string][] = [
  ["JWT starts inside one run (the old quadratic rule)", (n) => fill("eyJ-", n)],
  ["JWT segments that never reach a third dot", (n) => fill("eyJaaaaaaaaaa.", n)],
  ["private key BEGIN lines without an END", (n) => fill("-----BEGIN PRIVATE KEY-----", n)],
  ["private key header words that never say PRIVATE", (n) => "-----BEGIN " + fill("A ", n)],
  ["assignment keywords with no value", (n) => fill("token:", n)],
  ["assignment keywords and blanks", (n) => fill("password" + " ".repeat(20), n)],
  ["AWS key names with no key", (n) => fill("aws_secret_" + "_".repeat(19), n)],
  ["URL schemes with no password", (n) => fill("a://u:", n)],
  ["a URL user part that never ends", (n) => "https://" + fill("a", n)],
  ["Bearer with an endless value", (n) => "Bearer " + fill("aB3", n) + "_"],
  ["Bearer repeated", (n) => fill("Bearer ", n)],
  ["one base64 run", (n) => fill("A", n)],
  ["wrapped base64 lines", (n) => fill("QUFB".repeat(19) + "\n", n)],
  ["short base64 runs", (n) => fill("QUFBQUFBQUFBQUFBQUFBQUFBQUFB ", n)],
  ["terminal escapes", (n) => fill("\u001b[1;31mghp_", n)],
  ["an unterminated OSC escape", (n) => fill("\u001b]0;", n)],
  ["token prefixes", (n) => fill("ghp_gfa_sk-npm_glpat-xoxb-", n)],
  ["almost-OpenAI keys", (n) => fill("sk-" + "a".repeat(31) + "_", n)],
  ["almost-Stripe keys", (n) => fill("-sk_live_" + "a".repeat(19) + "_", n)],
];

describe("the secret detector is linear in its input", () => {
  it.each(ADVERSARIAL)("%s", (_name, make) => {
    expectLinear(make);
  });

  it("random mixes of rule fragments (property)", () => {
    const fragment = fc.constantFrom(
      "eyJ", "-", ".", "_", "a", "A", "0", "=", " ", "\t", ":", "\n", "@", "//", "\u001b[", "m",
      "-----BEGIN ", "PRIVATE KEY-----", "token", "password", "aws", "secret", "Bearer ", "https://", "ghp_", "gff_", "sk-",
    );
    // Few, large cases: each one is a pattern repeated to 1 MiB.
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 24 }), (parts) => {
        expectLinear((n) => fill(parts.join(""), n));
      }),
      { numRuns: 8, seed: 14 },
    );
  });

  it("the stream redactor too, on 4 KiB chunks of one endless line", () => {
    expectLinear(
      (n) => fill("eyJ-", n),
      (s) => {
        const r = createStreamRedactor();
        for (let i = 0; i < s.length; i += 4 * KiB) r.push(s.slice(i, i + 4 * KiB));
        r.flush();
      },
    );
  });
});
