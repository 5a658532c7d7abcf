/**
 * `fleet validate FILE.md…` (CONTRACT.md §3): parse job files exactly as the coordinator will, with
 * no server. Each valid file prints `{file, title, manifest}` (pretty JSON, one value per file, so
 * `jq` reads the stream); each problem prints `FILE: path: message` on stderr. Exit 0 when every file
 * is valid, 1 otherwise, 2 for a wrong command line.
 *
 * A job that names a profile is also checked against the local catalog (`--profiles DIR`, default
 * ./profiles when that folder exists); `--resolve` prints the manifest and prompt with the profile
 * applied, as a factory would receive them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { didYouMean } from "@/lib/did-you-mean";
import { parseJobFile } from "@/lib/manifest";
import { resolveJob } from "@/lib/profile";
import type { FieldProblem } from "@/lib/types";
import { formatCatalogProblem, loadProfileCatalogSync, type ProfileCatalog } from "@/server/profiles";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "../io";

export const usage = `usage: fleet validate [options] FILE.md|DIR…

Checks job files without a server. For each valid file prints {file, title, manifest} as JSON (the
normalized manifest: defaults filled, durations in ms, capabilities canonical). For each problem
prints "FILE: path: message" on stderr. Exit 0 if every file is valid, 1 if not.
A folder stands for the .md files directly in it.

options:
  --profiles DIR   check profile names against this catalog (default: ./profiles if it exists)
  --no-profiles    do not check profile names
  --resolve        apply the profile and print the resolved manifest, profile version and prompt
  -q, --quiet      print nothing for valid files (problems still go to stderr)
  -h, --help       show this help
`;

function expand(args: string[], cwd: string, problems: string[]): string[] {
  const files: string[] = [];
  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      // not there: reported when it is read
    }
    if (!isDir) {
      files.push(arg);
      continue;
    }
    const mds = readdirSync(abs)
      .filter((f) => f.endsWith(".md") && !f.startsWith("."))
      .sort();
    if (mds.length === 0) problems.push(`${arg}: (folder): no .md files in this folder`);
    files.push(...mds.map((f) => path.join(arg, f)));
  }
  return files;
}

function readError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a folder";
  if (code === "EACCES") return "permission denied";
  return `cannot read (${code ?? String(err)})`;
}

export async function run(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        profiles: { type: "string" },
        "no-profiles": { type: "boolean" },
        resolve: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
      },
    });
  } catch (err) {
    io.stderr(`fleet validate: ${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (positionals.length === 0) {
    io.stderr(`fleet validate: name at least one job file\n\n${usage}`);
    return EXIT_USAGE;
  }

  const lines: string[] = [];
  let catalog: ProfileCatalog | undefined;
  if (!values["no-profiles"]) {
    const dir = values.profiles !== undefined ? path.resolve(io.cwd, values.profiles) : path.resolve(io.cwd, "profiles");
    if (values.profiles !== undefined || existsSync(dir)) {
      catalog = loadProfileCatalogSync(dir);
      lines.push(...catalog.problems.map(formatCatalogProblem));
    }
  }

  let failed = lines.length > 0;
  const files = expand(positionals, io.cwd, lines);
  if (lines.length) failed = true;
  const outputs: string[] = [];

  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(path.resolve(io.cwd, file), "utf8");
    } catch (err) {
      lines.push(`${file}: (file): ${readError(err)}`);
      failed = true;
      continue;
    }
    const r = parseJobFile(text, { fileName: path.basename(file) });
    const problems: FieldProblem[] = r.ok ? [] : r.errors;
    const profileName = r.ok ? r.spec.manifest.profile : undefined;
    const entry = profileName !== undefined && catalog ? catalog.profiles.get(profileName) : undefined;
    if (r.ok && profileName !== undefined && catalog && !entry) {
      const known = [...catalog.profiles.keys()].sort();
      const near = didYouMean(profileName, known);
      problems.push({
        path: "profile",
        message: `unknown profile "${profileName}"${near ? `; did you mean \`${near}\`?` : ""} (known: ${known.join(", ") || "none"})`,
      });
    }
    if (!r.ok || problems.length) {
      for (const p of problems) lines.push(`${file}: ${p.path}: ${p.message}`);
      failed = true;
      continue;
    }
    if (values.quiet) continue;
    if (values.resolve) {
      const resolved = resolveJob(r.spec, r.setFields, entry?.profile);
      outputs.push(
        JSON.stringify(
          { file, title: resolved.title, manifest: resolved.manifest, ...(resolved.profile && { profile: resolved.profile }), prompt: resolved.prompt },
          null,
          2,
        ),
      );
    } else {
      outputs.push(JSON.stringify({ file, title: r.spec.title, manifest: r.spec.manifest }, null, 2));
    }
  }

  if (outputs.length) io.stdout(`${outputs.join("\n")}\n`);
  if (lines.length) io.stderr(`${lines.join("\n")}\n`);
  return failed ? EXIT_FAILED : EXIT_OK;
}
