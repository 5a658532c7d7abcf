/** Finds an executable on PATH without spawning anything (cheap enough to run for every probe). */
import type { Env } from "../version";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";

export function which(command: string, env: Env = process.env): string | undefined {
  if (command.includes("/") || command.includes("\\")) return isExecutable(command) ? command : undefined;
  const dirs = (env.PATH ?? env.Path ?? "").split(path.delimiter).filter(Boolean);
  const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT;.COM").split(";") : [""];
  for (const dir of dirs) {
    for (const ext of exts) {
      const full = path.join(dir, command + ext);
      if (isExecutable(full)) return full;
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
