import "server-only";

/**
 * Failed attempts per factory in a sliding window, counted by this process as completions arrive.
 * Feeds the scheduler's health score (fewer recent failures score higher); it never keeps a factory
 * out on its own, because a run of failing jobs says as much about the jobs as about the machine.
 */
export class RecentFailures {
  private readonly byFactory = new Map<string, number[]>();
  constructor(
    private readonly windowMs = 15 * 60_000,
    private readonly keep = 50,
  ) {}

  note(factoryId: string, at: number): void {
    const list = this.byFactory.get(factoryId) ?? [];
    list.push(at);
    if (list.length > this.keep) list.shift();
    this.byFactory.set(factoryId, list);
  }

  count(factoryId: string, now: number): number {
    const list = this.byFactory.get(factoryId);
    if (!list) return 0;
    let n = 0;
    for (const at of list) if (now - at <= this.windowMs) n++;
    return n;
  }
}
