import { readFileSync } from "node:fs";
import path from "node:path";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded, requireArg } from "./api-client";

export const usage = "usage: fleet submit FILE.md\n  Submits a job file; prints the job id and stage (FLEET_SERVER, FLEET_TOKEN).\n";

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const file = requireArg(args, "FILE.md", usage);
    let text: string;
    try {
      text = readFileSync(path.resolve(io.cwd, file), "utf8");
    } catch {
      throw new CliError(`cannot read ${file}`);
    }
    const r = await clientFrom(io).request<{ id?: string; stage?: string; job?: { id: string; stage: string }; deduplicated?: boolean }>("POST", "/jobs", {
      text,
      contentType: "text/markdown",
    });
    const job = r.job ?? (r as { id: string; stage: string });
    io.stdout(`${job.id} ${job.stage}${r.deduplicated ? " (already submitted)" : ""}\n`);
    return 0;
  });
}
