import path from "node:path";
import { parseArgs } from "node:util";
import { importArchive, progressLine } from "@/server/retention/archive";
import { ArchiveError } from "@/server/retention/archive-format";
import { isStoreError } from "@/server/store";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "../io";
import { CliError } from "./api-client";
import { openStoreFromEnv } from "./store-from-env";

export const usage = `usage: fleet import-archive FILE.jsonl.gz

Reads an archive written by \`fleet archive\` back into an EMPTY store (one with no job; a store
that has jobs is refused). Every line is checked first (a problem is reported as
"line N: field: message" and nothing is written); then the jobs are restored exactly as they were
exported, all or nothing.

Opens the store directly, like the control plane, from FLEET_STORE, FLEET_DATA_DIR (SQLite; the
file is created when missing) or COSMOS_ENDPOINT, COSMOS_KEY, COSMOS_DATABASE. Stop the control
plane first, or at least keep it from writing jobs. Progress goes to stderr, the summary to stdout.
`;

export async function run(args: string[], io: CliIo): Promise<number> {
  let positionals: string[];
  try {
    positionals = parseArgs({ args, strict: true, allowPositionals: true, options: {} }).positionals;
  } catch (e) {
    io.stderr(`fleet import-archive: ${e instanceof Error ? e.message : String(e)}\n\n${usage}`);
    return EXIT_USAGE;
  }
  if (positionals.length !== 1) {
    io.stderr(`fleet import-archive: name exactly one archive file\n\n${usage}`);
    return EXIT_USAGE;
  }
  const file = path.resolve(io.cwd, positionals[0]!);
  let opened: Awaited<ReturnType<typeof openStoreFromEnv>> | undefined;
  try {
    opened = await openStoreFromEnv(io, { mustExist: false });
    io.stderr(`fleet import-archive: ${file} into ${opened.where}\n`);
    const counts = await importArchive(opened.store, { file, progress: (m) => io.stderr(`fleet import-archive: ${m}\n`) });
    io.stdout(`${progressLine("restored", counts)} from ${file}\n`);
    return EXIT_OK;
  } catch (e) {
    if (e instanceof ArchiveError || e instanceof CliError || isStoreError(e)) {
      io.stderr(`fleet import-archive: ${e.message}${e instanceof ArchiveError ? "\nnothing was written" : ""}\n`);
      return EXIT_FAILED;
    }
    throw e;
  } finally {
    await opened?.store.close();
  }
}
