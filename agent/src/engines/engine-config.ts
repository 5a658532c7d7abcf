/**
 * The shape of one engine in the agent's config file: what may override a built-in adapter or
 * define a custom engine. Kept beside the adapters (which merge it) rather than in the config-file
 * reader, so that the adapters need nothing from the reader and the reader builds on both.
 */
import { z } from "zod";

export const OUTPUT_PARSERS = ["text", "claude", "codex", "gemini"] as const;
export type OutputParser = (typeof OUTPUT_PARSERS)[number];

const argList = z.array(z.string().max(4096)).max(100);

/**
 * Fields left out inherit from the built-in adapter of the same name (so `claude: {command: …}` is
 * the same flags on another binary), or, for a custom engine, from the defaults in adapters.ts.
 */
export const engineConfig = z.strictObject({
  command: z.string().min(1).max(4096).optional(),
  args: argList.optional(),
  yoloArgs: argList.optional(),
  /** how the prompt reaches the engine: an argv element, stdin, or a temp file (`{promptFile}`) */
  prompt: z.enum(["arg", "stdin", "file"]).optional(),
  output: z.enum(OUTPUT_PARSERS).optional(),
  versionArgs: argList.optional(),
  slots: z.number().int().min(1).max(256).optional(),
  /** the CLI's sign-in files, relative to HOME (no `..`, not absolute): shown read-only to its jobs */
  credentialFiles: z
    .array(
      z
        .string()
        .min(1)
        .max(1024)
        .refine((p) => !p.startsWith("/") && !p.startsWith("~") && !/^[A-Za-z]:/.test(p) && !p.split(/[\\/]/).includes(".."), "a path relative to HOME, without ..")
    )
    .max(20)
    .optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(4096)).optional(),
});
export type EngineConfig = z.infer<typeof engineConfig>;
