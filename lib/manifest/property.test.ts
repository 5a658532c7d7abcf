// Property tests: the parser never throws, and every problem names a non-empty path.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { FieldProblem } from "../types";
import { MANIFEST_FIELDS, parseJobFile, parseJobObject, parseManifestObject } from "./index";

function checkResult(r: { ok: true } | { ok: false; errors: FieldProblem[] }): void {
  if (r.ok) return;
  expect(r.errors.length).toBeGreaterThan(0);
  for (const e of r.errors) {
    expect(typeof e.path).toBe("string");
    expect(e.path.length).toBeGreaterThan(0);
    expect(typeof e.message).toBe("string");
    expect(e.message.length).toBeGreaterThan(0);
  }
}

const SAMPLE_VALUES = [
  "90s", "1h30m", "0s", "-5m", "2M", "500k", "os:mac", "node>=20", "gpu", "auto", "manual", "@alice", "src/**",
  "../x", "/etc", "diff", "timeout", "lease_lost", "claude", "shell", "high", "critical", "", " ", "yes", "~",
];

/** Values shaped like what people put in a manifest: scalars, lists, nested mappings. */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constantFrom(...SAMPLE_VALUES),
    fc.string({ maxLength: 20 }),
    fc.integer(),
    // Finite only: YAML can say .inf, but a JSON manifest cannot, and the property compares the two.
    fc.double({ noDefaultInfinity: true, noNaN: true }),
    fc.boolean(),
    fc.constant(null),
  ),
  node: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("leaf"), tie("list"), tie("map")),
  list: fc.array(tie("node"), { maxLength: 4 }),
  map: fc.dictionary(fc.oneof(fc.constantFrom("usd", "tokens", "wall", "max", "backoff", "on", "reviewers"), fc.string({ maxLength: 8 })), tie("node"), {
    maxKeys: 4,
  }),
}));

const key = fc.oneof(fc.constantFrom(...MANIFEST_FIELDS), fc.constantFrom("x-a", "x-b", "priorty", "budget.usd"), fc.string({ maxLength: 10 }));
const manifestLike = fc.dictionary(key, value.node, { maxKeys: 8 });

describe("parseJobFile never throws", () => {
  it("on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        checkResult(parseJobFile(text));
      }),
      { numRuns: 1000 },
    );
  });

  it("on arbitrary strings inside a front matter", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 50 }), (front, body) => {
        checkResult(parseJobFile(`---\n${front}\n---\n${body}`));
      }),
      { numRuns: 1000 },
    );
  });

  it("on arbitrary YAML-shaped manifests", () => {
    fc.assert(
      fc.property(manifestLike, (obj) => {
        const text = `---\n${stringify(obj)}---\n# Job\nbody\n`;
        const r = parseJobFile(text);
        checkResult(r);
        // A valid manifest parses back to itself from its normalized JSON form.
        if (r.ok) {
          const again = parseManifestObject(JSON.parse(JSON.stringify(r.spec.manifest)));
          expect(again.ok && again.manifest).toEqual(r.spec.manifest);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("on arbitrary JSON values as a manifest object or a submission", () => {
    fc.assert(
      fc.property(fc.oneof(manifestLike, fc.anything()), fc.anything(), (manifest, body) => {
        checkResult(parseManifestObject(manifest));
        checkResult(parseJobObject({ manifest, body }));
        checkResult(parseJobObject(manifest));
      }),
      { numRuns: 500 },
    );
  });

  it("on arbitrary unicode and line ends", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: "grapheme", maxLength: 10 }), fc.constantFrom("\r\n", "\r", "\n", "\uFEFF", "---", "...", ": ", "- ", "&a", "*a", "!!str", "{", "[", "'", '"', "\t", "#")), { maxLength: 40 }), (parts) => {
        checkResult(parseJobFile(parts.join("")));
      }),
      { numRuns: 1000 },
    );
  });
});
