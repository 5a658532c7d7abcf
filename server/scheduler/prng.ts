/**
 * Deterministic tie-breaking. The scheduler never calls Math.random(): ties break on a value drawn
 * from a tiny PRNG (mulberry32) seeded with a hash (FNV-1a) of the snapshot seed and the ids
 * involved, so the same snapshot and seed always give the same decision, independent of the order
 * in which candidates are visited.
 */

/** 32-bit FNV-1a of a string. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: returns a generator of floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable pseudo-random value in [0, 1) for a seed and the ids of what is being compared. */
export function tieBreak(seed: string, ...ids: string[]): number {
  return mulberry32(fnv1a(seed + "\u0000" + ids.join("\u0000")))();
}
