/**
 * `fleet simulate TRACE.json [--json]` (CONTRACT §3, §4): replays a workload through the real
 * scheduler on a simulated clock and prints the report beside a FIFO baseline. Exit 0 with the
 * report; exit 1 with one `TRACE: path: message` line per problem when the trace is unreadable
 * or invalid; exit 2 on a usage error.
 *
 * No `server-only` import on this path: the CLI runs under plain Node through tsx.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { formatReport, simulateTrace } from "@/server/simulator/report";
import { parseTrace } from "@/server/simulator/trace";
import type { CliIo } from "../io";

export const usage = "usage: fleet simulate TRACE.json [--json]\n";

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(usage);
    return 0;
  }
  const json = args.includes("--json");
  const rest = args.filter((a) => a !== "--json");
  const unknown = rest.filter((a) => a.startsWith("-"));
  if (unknown.length > 0 || rest.length !== 1) {
    io.stderr(unknown.length > 0 ? `fleet simulate: unknown option ${unknown[0]}\n${usage}` : usage);
    return 2;
  }
  const file = rest[0]!;
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, file), "utf8");
  } catch (e) {
    io.stderr(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 1;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    io.stderr(`${file}: not valid JSON: ${(e as Error).message}\n`);
    return 1;
  }
  const parsed = parseTrace(data);
  if (!parsed.ok) {
    io.stderr(parsed.errors.map((p) => `${file}: ${p.path}: ${p.message}\n`).join(""));
    return 1;
  }
  const report = simulateTrace(parsed.trace);
  io.stdout(json ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
  return 0;
}
