import "server-only";
import pm from "picomatch/posix";
import type { ProtectedMatch } from "@/lib/api/protected-paths";
import type { Settings } from "@/server/store/records";

/**
 * Protected paths (issue 18 §4) as pure decisions: which of an attempt's changed files a protected
 * glob catches, each named with the first glob (in list order) that caught it. The globs passed the
 * manifest's glob rule when saved (lib/api/protected-paths.ts: bounded wildcards per segment, no
 * extglobs), and a path segment over 255 bytes is caught without being matched, so matching costs
 * at most O(segment²) per glob, as for allowed-scope (gates.ts outOfScopeFiles). The same picomatch
 * the scope check and the agent use.
 */
const MAX_SEGMENT = 255;
/** Stands in the glob of a path too long to match: caught, so a person looks at it. */
export const TOO_LONG = "(a path segment over 255 characters: not matched, held for a person)";

/** The fleet's globs, then the product's own (a product's list only adds). */
export function protectedGlobsFor(settings: Settings, productId: string): string[] {
  const p = settings.operations?.protectedPaths;
  if (!p) return [];
  return [...new Set([...p.globs, ...(p.products[productId] ?? [])])];
}

export function protectedMatches(globs: readonly string[], changed: readonly string[]): ProtectedMatch[] {
  if (globs.length === 0 || changed.length === 0) return [];
  const matchers = globs.map((g) => ({ glob: g, test: pm(g, { dot: true }) }));
  const out: ProtectedMatch[] = [];
  for (const file of [...new Set(changed)].sort()) {
    const tooLong = file.split("/").some((seg) => seg.length > MAX_SEGMENT);
    if (tooLong) {
      out.push({ file, glob: TOO_LONG });
      continue;
    }
    const hit = matchers.find((m) => m.test(file));
    if (hit) out.push({ file, glob: hit.glob });
  }
  return out;
}

/** "a (matched g), b (matched h)": how a reason names what the gate caught. */
export function describeMatches(matches: readonly ProtectedMatch[]): string {
  return matches.map((m) => `${m.file} (matched ${m.glob})`).join(", ");
}
