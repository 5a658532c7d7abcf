import "server-only";
import { readdirSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parseProfile, type Profile } from "@/lib/profile";

/**
 * The profile catalog on disk: every `<name>.md` in the profiles folder (default `./profiles`),
 * parsed with lib/profile. A file that does not parse is reported (file + field path + message) and
 * left out; the rest of the catalog still loads. README.md and dotfiles are not profiles.
 */

export interface CatalogEntry {
  profile: Profile;
  /** profileVersion of `text` (same as profile.version) */
  version: string;
  text: string;
  file: string;
}

export interface CatalogProblem {
  file: string;
  path: string;
  message: string;
}

export interface ProfileCatalog {
  dir: string;
  profiles: Map<string, CatalogEntry>;
  problems: CatalogProblem[];
}

export function defaultProfilesDir(cwd: string = process.cwd()): string {
  return path.resolve(cwd, "profiles");
}

/** "profiles/qa.md: review-policy: expected auto, manual or …" */
export function formatCatalogProblem(p: CatalogProblem): string {
  return `${p.file}: ${p.path}: ${p.message}`;
}

function isProfileFile(name: string): boolean {
  return name.endsWith(".md") && !name.startsWith(".") && name.toLowerCase() !== "readme.md";
}

function build(dir: string, files: { file: string; text: string }[], problems: CatalogProblem[]): ProfileCatalog {
  const profiles = new Map<string, CatalogEntry>();
  for (const { file, text } of files) {
    const r = parseProfile(text, path.basename(file));
    if (!r.ok) {
      for (const e of r.errors) problems.push({ file, ...e });
      continue;
    }
    profiles.set(r.profile.name, { profile: r.profile, version: r.profile.version, text, file });
  }
  return { dir, profiles, problems };
}

function missing(dir: string, err: unknown): CatalogProblem {
  const code = (err as NodeJS.ErrnoException)?.code;
  return {
    file: dir,
    path: "(folder)",
    message: code === "ENOENT" ? "no profiles folder here" : `cannot read the profiles folder (${code ?? String(err)})`,
  };
}

export async function loadProfileCatalog(dir: string = defaultProfilesDir()): Promise<ProfileCatalog> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter(isProfileFile).sort();
  } catch (err) {
    return { dir, profiles: new Map(), problems: [missing(dir, err)] };
  }
  const problems: CatalogProblem[] = [];
  const files: { file: string; text: string }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      files.push({ file, text: await readFile(file, "utf8") });
    } catch (err) {
      problems.push({ file, path: "(file)", message: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
    }
  }
  return build(dir, files, problems);
}

/** The same, synchronously (CLIs and start-up). */
export function loadProfileCatalogSync(dir: string = defaultProfilesDir()): ProfileCatalog {
  let names: string[];
  try {
    names = readdirSync(dir).filter(isProfileFile).sort();
  } catch (err) {
    return { dir, profiles: new Map(), problems: [missing(dir, err)] };
  }
  const problems: CatalogProblem[] = [];
  const files: { file: string; text: string }[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      files.push({ file, text: readFileSync(file, "utf8") });
    } catch (err) {
      problems.push({ file, path: "(file)", message: `cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})` });
    }
  }
  return build(dir, files, problems);
}
