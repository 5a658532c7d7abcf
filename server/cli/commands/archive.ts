import { existsSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { exportArchive, progressLine } from "@/server/retention/archive";
import { ArchiveError } from "@/server/retention/archive-format";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "../io";
import { CliError } from "./api-client";
import { openStoreFromEnv } from "./store-from-env";

export const usage = `usage: fleet archive --before DATE --out FILE.jsonl.gz

Exports every job that is terminal (shipped, dead_letter, cancelled) and was last written before
DATE, whole: the job document, its runs with their lease records, its events and its log, as gzip
JSON lines (the format \`fleet import-archive\` reads back). Nothing is deleted: retention
(FLEET_RETENTION_DAYS) prunes logs and events later; archive first what must be kept.

  --before DATE   YYYY-MM-DD (midnight UTC) or an ISO time such as 2026-11-30T12:00:00Z
  --out FILE      the archive to write; an existing file is refused (nothing is overwritten),
                  and nothing is left at FILE when the export fails

Opens the store directly, like the control plane, from FLEET_STORE, FLEET_DATA_DIR (SQLite) or
COSMOS_ENDPOINT, COSMOS_KEY, COSMOS_DATABASE. Progress goes to stderr, the summary to stdout.
`;

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** A date or an ISO time with its zone; refuses 2026-02-30, 25:00 and anything Date.parse would guess at. */
export function parseBefore(text: string): number | string {
  const m = DATE.exec(text);
  if (!m) return `--before: "${text.slice(0, 40)}" is not a date: use YYYY-MM-DD or an ISO time with a zone (2026-11-30T12:00:00Z)`;
  const [, y, mo, d, h = "00", mi = "00", s = "00"] = m;
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return `--before: ${y}-${mo}-${d} is not a day of the calendar`;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return `--before: ${h}:${mi}:${s} is not a time of day`;
  const at = Date.parse(m[4] === undefined ? `${text}T00:00:00Z` : text);
  return Number.isFinite(at) ? at : `--before: "${text}" is not a time`;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let values: { before?: string; out?: string };
  try {
    const parsed = parseArgs({ args, strict: true, allowPositionals: false, options: { before: { type: "string" }, out: { type: "string" } } });
    values = parsed.values;
  } catch (e) {
    io.stderr(`fleet archive: ${e instanceof Error ? e.message : String(e)}\n\n${usage}`);
    return EXIT_USAGE;
  }
  if (values.before === undefined || values.out === undefined) {
    io.stderr(`fleet archive: ${values.before === undefined ? "--before DATE" : "--out FILE"} is required\n\n${usage}`);
    return EXIT_USAGE;
  }
  const before = parseBefore(values.before);
  if (typeof before === "string") {
    io.stderr(`fleet archive: ${before}\n`);
    return EXIT_USAGE;
  }
  const out = path.resolve(io.cwd, values.out);
  if (existsSync(out)) {
    io.stderr(`fleet archive: --out: ${out} exists; an archive never overwrites a file (remove it or choose another name)\n`);
    return EXIT_FAILED;
  }
  if (!existsSync(path.dirname(out))) {
    io.stderr(`fleet archive: --out: no directory ${path.dirname(out)}\n`);
    return EXIT_FAILED;
  }
  let opened: Awaited<ReturnType<typeof openStoreFromEnv>> | undefined;
  try {
    opened = await openStoreFromEnv(io, { mustExist: true });
    io.stderr(`fleet archive: jobs terminal before ${new Date(before).toISOString()} from ${opened.where}\n`);
    const r = await exportArchive(opened.store, { before, file: out, now: Date.now(), progress: (m) => io.stderr(`fleet archive: ${m}\n`) });
    if (r.skippedLeased.length > 0) {
      io.stderr(`fleet archive: skipped ${r.skippedLeased.length} job(s) still holding a lease (archive them once their agent has stopped): ${r.skippedLeased.slice(0, 10).join(", ")}${r.skippedLeased.length > 10 ? ", …" : ""}\n`);
    }
    io.stdout(`${progressLine("archived", r)} to ${out}\n`);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof ArchiveError || e instanceof CliError) {
      io.stderr(`fleet archive: ${e.message}\n`);
      return EXIT_FAILED;
    }
    throw e;
  } finally {
    await opened?.store.close();
  }
}
