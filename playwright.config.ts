import { defineConfig } from "@playwright/test";
import { existsSync } from "node:fs";

// Debian's chromium (apt-get install -y chromium); where Playwright could download its own browser
// (a laptop), leaving CHROMIUM_PATH unset and /usr/bin/chromium absent falls back to it.
const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  globalSetup: "./e2e/global-setup.ts",
  // The specs share one fleet (one factory): run them one after another.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 30_000 },
  outputDir: "test-results",
  reporter: [["list"]],
  use: {
    baseURL: process.env.E2E_URL,
    screenshot: "on",
    trace: "retain-on-failure",
    launchOptions: {
      ...(existsSync(chromium) ? { executablePath: chromium } : {}),
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
});
