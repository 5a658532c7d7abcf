import { expect } from "vitest";
import type { FieldProblem, Manifest } from "../types";
import { parseJobFile } from "./index";

/** A job file from front-matter lines (YAML) and a body. */
export function job(frontMatter: string, body = "# A job\nDo the thing.\n"): string {
  return `---\n${frontMatter.replace(/^\n/, "")}${frontMatter.endsWith("\n") || frontMatter === "" ? "" : "\n"}---\n${body}`;
}

/** Parses and expects success; returns the normalized manifest. */
export function manifestOf(frontMatter: string): Manifest {
  const r = parseJobFile(job(frontMatter));
  if (!r.ok) throw new Error(`expected a valid job, got ${JSON.stringify(r.errors)}`);
  return r.spec.manifest;
}

/** Parses and expects failure; returns the problems. */
export function problemsOf(frontMatter: string): FieldProblem[] {
  const r = parseJobFile(job(frontMatter));
  if (r.ok) throw new Error(`expected problems, got ${JSON.stringify(r.spec.manifest)}`);
  return r.errors;
}

/** Expects exactly one problem, at `path`, whose message matches. */
export function expectProblem(frontMatter: string, path: string, message?: RegExp | string): void {
  const problems = problemsOf(frontMatter);
  const at = problems.filter((p) => p.path === path);
  expect(at.length, `problems: ${JSON.stringify(problems)}`).toBeGreaterThan(0);
  if (message !== undefined) expect(at.map((p) => p.message).join(" | ")).toMatch(message);
}
