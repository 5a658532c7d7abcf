import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { CliIo } from "../io";
import { clientFrom, CliError, guarded } from "./api-client";
import { needPositional, one, parseFlags, wholeNumber } from "./flags";

/** `fleet artifact ID NAME`: the job page's artifact download, saved to a file (bytes as stored). */
export const usage = `usage: fleet artifact ID NAME [--attempt N] [--out FILE]
  Saves the artifact to FILE (default: NAME's last part, in the current directory).
`;

export function run(args: string[], io: CliIo): Promise<number> {
  return guarded(io, async () => {
    const p = parseFlags(args, ["--attempt", "--out"], [], usage);
    const id = needPositional(p, 0, "ID (the job's id)", usage);
    const name = needPositional(p, 1, "NAME (an artifact's name, as `fleet show ID` lists them)", usage);
    const attempt = wholeNumber(p, "--attempt");
    const out = path.resolve(io.cwd, one(p, "--out") ?? path.basename(name));
    const res = await clientFrom(io).text(`/jobs/${encodeURIComponent(id)}/artifacts/${encodeURIComponent(name)}${attempt !== undefined ? `?attempt=${attempt}` : ""}`);
    const data = Buffer.from(await res.arrayBuffer());
    try {
      await writeFile(out, data);
    } catch (e) {
      throw new CliError(`--out ${out}: ${e instanceof Error ? e.message : String(e)}`);
    }
    io.stdout(`${out} (${data.length} bytes)\n`);
    return 0;
  });
}
