// Lint: TypeScript rules plus the import direction of DESIGN.md, enforced so it cannot drift.
//   app/        → server/, lib/, components/
//   components/ → lib/ only
//   lib/        → nothing of ours (runs anywhere, no I/O)
//   server/     → lib/
//   agent/      → lib/ only (bundled alone)
// and the rooms inside server/ (ARCHITECTURE.md): errors are owned below HTTP, so nothing under
// server/http is imported by the domain; the scheduler is pure and sees neither store nor coordinator.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { importX } from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

const ours = ["./app", "./components", "./lib", "./server", "./agent", "./e2e"];
const zone = (target, allowed, message) => ({
  target,
  from: ours.filter((f) => f !== target && !allowed.includes(f)),
  message,
});

// Rooms inside server/ and what each may NOT import (everything else in server/ is allowed).
const serverRoom = (room, forbidden, message) => ({
  target: `./server/${room}`,
  from: forbidden.map((r) => `./server/${r}`),
  message,
});
const serverZones = [
  serverRoom("coordinator", ["http"], "server/coordinator never imports server/http: throw FleetError from server/errors.ts (ARCHITECTURE.md)."),
  serverRoom("limits", ["http"], "server/limits never imports server/http: throw FleetError from server/errors.ts (ARCHITECTURE.md)."),
  serverRoom("auth", ["http"], "server/auth never imports server/http: throw FleetError from server/errors.ts (ARCHITECTURE.md)."),
  serverRoom("store", ["http", "coordinator", "auth", "scheduler"], "server/store is the bottom room: it never imports http, coordinator, auth or scheduler (ARCHITECTURE.md)."),
  serverRoom("artifacts", ["http"], "server/artifacts never imports server/http: throw FleetError from server/errors.ts (ARCHITECTURE.md)."),
  serverRoom("scheduler", ["http", "store", "coordinator", "auth"], "server/scheduler is pure: it never imports http, store, coordinator or auth (ARCHITECTURE.md)."),
];

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      ".next-*/**",
      "agent/dist/**",
      ".cache/**",
      "coverage/**",
      "test-results/**",
      "playwright-report/**",
      ".data/**",
      "next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            zone("./lib", [], "lib/ runs anywhere and imports nothing of ours (DESIGN.md)."),
            zone("./components", ["./lib"], "components/ may import lib/ only (DESIGN.md)."),
            zone("./server", ["./lib"], "server/ may import lib/ only (DESIGN.md)."),
            zone("./agent", ["./lib"], "agent/ is bundled alone and may import lib/ only (DESIGN.md)."),
            zone("./app", ["./server", "./lib", "./components"], "app/ may import server/, lib/, components/ (DESIGN.md)."),
            ...serverZones,
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // Structured logging only on the server side (DESIGN.md house style).
    files: ["server/**/*.ts", "app/api/**/*.ts"],
    ignores: ["server/cli/**"],
    rules: { "no-console": "error" },
  },
  {
    files: ["**/*.mjs", "**/*.cjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
);
