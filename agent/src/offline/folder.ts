/**
 * The offline folder queue on disk (CONTRACT §3):
 *
 *   DIR/inbox → building → review → testing → shipped,  and  failed
 *
 * A job is `<stem>.md`; what the agent writes about it sits beside it and moves with it:
 * `<stem>.log` (the redacted engine output), `<stem>.result.json`, `<stem>.errors.txt` (an
 * invalid file), `<stem>.artifacts/` (requested artifacts) and `<stem>.retry.json` (a job the
 * retry policy sent back to inbox/: its attempts so far). Only `*.md` in `inbox/` is ever
 * picked up, so sidecars are never mistaken for jobs.
 *
 * Claiming is one `rename(inbox/x.md → building/x.md)`: of several agents renaming the same file,
 * exactly one succeeds and the others get ENOENT, so a file never runs twice.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import path from "node:path";

export const STAGE_DIRS = ["inbox", "building", "review", "testing", "shipped", "failed"] as const;
export type StageDir = (typeof STAGE_DIRS)[number];

/** Suffixes of the files that travel with `<stem>.md`. */
const SIDECARS = [".log", ".result.json", ".errors.txt", ".artifacts", ".reconciled.json", ".reconcile-error.txt", ".retry.json"] as const;
/** What a retried job carries back into inbox/ and out again when it is claimed. */
const RETRY_SIDECARS = [".retry.json", ".log"] as const;

export class FolderQueue {
  constructor(readonly root: string) {}

  dir(stage: StageDir): string {
    return path.join(this.root, stage);
  }

  path(stage: StageDir, stem: string, suffix = ".md"): string {
    return path.join(this.root, stage, stem + suffix);
  }

  /** Creates the stage folders that are missing. */
  ensure(): void {
    for (const s of STAGE_DIRS) mkdirSync(this.dir(s), { recursive: true });
  }

  /** Stems of the `*.md` job files in a stage folder, in name order (dot files are ignored). */
  list(stage: StageDir): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir(stage));
    } catch {
      return [];
    }
    return names
      .filter((n) => n.endsWith(".md") && !n.startsWith("."))
      .filter((n) => {
        try {
          return statSync(path.join(this.dir(stage), n)).isFile();
        } catch {
          return false;
        }
      })
      .map((n) => n.slice(0, -3))
      .sort();
  }

  /**
   * Atomically moves `inbox/<stem>.md` into `building/`. False when another agent got it first
   * (the source is gone) or a job of the same name is being built right now (it would be overwritten).
   */
  claim(stem: string): boolean {
    if (existsSync(this.path("building", stem))) return false;
    try {
      renameSync(this.path("inbox", stem), this.path("building", stem));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw e;
    }
    // Won: a retried job's state and log follow it (only the winner of the rename moves them).
    for (const suffix of RETRY_SIDECARS) {
      try {
        renameSync(this.path("inbox", stem, suffix), this.path("building", stem, suffix));
      } catch {
        // none: a first attempt
      }
    }
    return true;
  }

  /**
   * Moves a job and its sidecars from one stage to another. A job of the same name already there
   * is kept: the newcomer becomes `<stem>-2` (then -3…). Sidecars move first, so a job file that
   * appears in a stage folder already has its log and result beside it. Returns the new stem.
   */
  move(stem: string, from: StageDir, to: StageDir): string {
    let target = stem;
    for (let i = 2; this.taken(to, target); i++) target = `${stem}-${i}`;
    for (const suffix of SIDECARS) {
      const src = this.path(from, stem, suffix);
      if (existsSync(src)) renameSync(src, this.path(to, target, suffix));
    }
    renameSync(this.path(from, stem), this.path(to, target));
    return target;
  }

  private taken(stage: StageDir, stem: string): boolean {
    return [".md", ...SIDECARS].some((s) => existsSync(this.path(stage, stem, s)));
  }
}
