/**
 * Lazy ordered extraction: heapify once (O(n)), then pop the best item in O(log n). The claim path
 * needs only the first few jobs of a ranking of thousands, so sorting all of them would be waste.
 */
export class Heap<T> {
  private readonly items: T[];
  private readonly before: (a: T, b: T) => boolean;

  /** `before(a, b)`: a comes out first. Takes ownership of `items`. */
  constructor(items: T[], before: (a: T, b: T) => boolean) {
    this.items = items;
    this.before = before;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.down(0);
    }
    return top;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.before(items[l]!, items[m]!)) m = l;
      if (r < n && this.before(items[r]!, items[m]!)) m = r;
      if (m === i) return;
      const t = items[i]!;
      items[i] = items[m]!;
      items[m] = t;
      i = m;
    }
  }
}
