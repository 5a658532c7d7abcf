/**
 * The agent's durable outbox (issue 17 §1): every event batch and every completion is written here,
 * fsync'd, before it is sent, and removed once the coordinator acknowledged it (or refused it for
 * good). What survives a crash, a restart or a partition is replayed in order (./replay.ts); the
 * coordinator's (leaseId, seq) idempotency and its duplicate-complete rule make a replay harmless.
 *
 * One file per entry in `<state dir>/<name>.outbox/`, named `<ms since epoch, 15 digits>-<counter>.json`
 * so the name order is the order of writing (within a process, and across restarts of one agent).
 * Writes are atomic: a temp file is written and fsync'd, renamed into place, and the folder fsync'd.
 * A file that does not parse is moved to `rejected/` beside the entries with a `.why.txt`, and the
 * rest goes on.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { agentEvent, completeRequest, type AgentEvent, type CompleteRequest } from "@/lib/protocol";

const entrySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("events"), leaseId: z.string().min(1), epoch: z.number().int(), events: z.array(agentEvent).min(1) }),
  z.object({ kind: z.literal("complete"), leaseId: z.string().min(1), body: completeRequest }),
]);

export type OutboxEntry = { kind: "events"; leaseId: string; epoch: number; events: AgentEvent[] } | { kind: "complete"; leaseId: string; body: CompleteRequest };
export type StoredEntry = OutboxEntry & { id: string };

const NAME = /^\d{15}-\d{6}\.json$/;

export class Outbox {
  private counter = 0;

  constructor(
    readonly dir: string,
    private readonly log: (msg: string) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Writes the entry durably; returns its id (the file name). */
  append(entry: OutboxEntry): string {
    const id = `${String(Date.now()).padStart(15, "0")}-${String(++this.counter % 1_000_000).padStart(6, "0")}.json`;
    const file = path.join(this.dir, id);
    const tmp = path.join(this.dir, `.${id}.tmp`);
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(entry));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
    this.syncDir();
    return id;
  }

  remove(id: string): void {
    rmSync(path.join(this.dir, id), { force: true });
  }

  /** The entries in the order they were written; a malformed one is moved aside (and said so). */
  list(): StoredEntry[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: StoredEntry[] = [];
    for (const id of names.filter((n) => NAME.test(n)).sort()) {
      let text: string;
      try {
        text = readFileSync(path.join(this.dir, id), "utf8");
      } catch {
        continue; // removed meanwhile (acknowledged)
      }
      let why: string | undefined;
      try {
        const r = entrySchema.safeParse(JSON.parse(text));
        if (r.success) {
          out.push({ ...(r.data as OutboxEntry), id });
          continue;
        }
        const i = r.error.issues[0]!;
        why = `${i.path.join(".") || "(entry)"}: ${i.message}`;
      } catch (e) {
        why = `not JSON: ${(e as Error).message}`;
      }
      this.setAside(id, why);
    }
    return out;
  }

  /** Whether anything waits (cheap: names only). */
  pending(): boolean {
    try {
      return readdirSync(this.dir).some((n) => NAME.test(n));
    } catch {
      return false;
    }
  }

  private setAside(id: string, why: string): void {
    const dir = path.join(this.dir, "rejected");
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      renameSync(path.join(this.dir, id), path.join(dir, id));
      writeFileSync(path.join(dir, `${id}.why.txt`), why + "\n", { mode: 0o600 });
      this.log(`outbox: ${id} is malformed (${why}): moved to ${path.join(dir, id)}; the rest goes on`);
    } catch (e) {
      this.log(`outbox: ${id} is malformed (${why}) and could not be moved aside: ${(e as Error).message}`);
    }
  }

  private syncDir(): void {
    // A rename is durable only once its folder is; not every platform lets a folder be opened (Windows).
    try {
      const fd = openSync(this.dir, "r");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      // best effort
    }
  }
}
