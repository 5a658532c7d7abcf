import "server-only";

/**
 * Why a queued job was passed over in the last claim rounds of this process ("deferred to mac-2"),
 * kept in memory and bounded: explanations are recomputed on read anyway, this only remembers what
 * the scheduler said at the moment it skipped the job. Oldest entries go first when full.
 */
export interface PendingNote {
  reason: string;
  at: number;
}

export class PendingBook {
  private readonly notes = new Map<string, PendingNote>();
  constructor(private readonly max = 10_000) {}

  note(jobId: string, reason: string, at: number): void {
    // Re-inserting moves the entry to the back: the Map's order is the eviction order.
    this.notes.delete(jobId);
    this.notes.set(jobId, { reason, at });
    if (this.notes.size > this.max) this.notes.delete(this.notes.keys().next().value!);
  }

  get(jobId: string): PendingNote | undefined {
    return this.notes.get(jobId);
  }

  clear(jobId: string): void {
    this.notes.delete(jobId);
  }

  get size(): number {
    return this.notes.size;
  }
}
