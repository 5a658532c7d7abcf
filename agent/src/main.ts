/**
 * `fleet-agent` entry point: flags → options → --help / --version / --detect / the agent loop.
 * Exit codes: 0 done or drained, 1 fatal (token refused…), 2 bad usage, 143 stopped by a second signal.
 */
// First: V8 flags that must be set before the rest of the bundle allocates (./v8-flags.ts says why).
import "./v8-flags";
import { parseFlags, resolveOptions } from "./cli/args";
import { HELP } from "./cli/help";
import { FatalAgentError, UsageError } from "./cli/usage-error";
import { detect } from "./detect/detect";
import { resolveAdapters } from "./engines/adapters";
import { FactoryAgent } from "./loop/agent";
import { proxySettings } from "./net/http";
import { ProxyConfigError, proxyFor } from "./net/proxy";
import { setUpIsolation } from "./loop/isolation-setup";
import { chooseIsolation, probeIsolation } from "./run/sandbox/isolation";
import { AGENT_VERSION } from "./version";

async function main(argv: string[]): Promise<number> {
  const flags = parseFlags(argv);
  if (flags.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (flags.version) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (flags.offline && flags.server) {
    // One or the other: --offline never talks to a coordinator; --fallback is the folder next to one.
    throw new UsageError(
      "--offline with --server: --offline DIR runs the folder queue alone; to use the folder while the coordinator is unreachable, run --server URL --fallback DIR",
    );
  }
  // Loaded only when asked for: the YAML parser and the config schema are not needed by an agent
  // started with flags alone, and an idle agent should not carry them (agent_rss_mb).
  const file = flags.config ? (await import("./config/config-file")).loadConfigFile(flags.config) : undefined;
  const options = resolveOptions(flags, process.env, file);
  // Read once; no child of this process (a job, git) may inherit it.
  delete process.env.FLEET_ENROLLMENT_TOKEN;
  if (flags.token) {
    process.stderr.write("fleet-agent: warning: --token puts the enrollment token in this process's command line, visible to other processes; prefer --token-file FILE (or - for stdin) or FLEET_ENROLLMENT_TOKEN\n");
  }
  const adapters = resolveAdapters(file?.engines);
  const probes = probeIsolation({ env: process.env, jobUser: options.jobUser });
  if (flags.detect) {
    const chosen = chooseIsolation(options.isolation, probes);
    const tags = [...options.tags.filter((t) => !t.startsWith("isolation:")), ...("level" in chosen ? [`isolation:${chosen.level}`] : [])];
    const d = await detect({ adapters, ...(options.engines ? { engines: options.engines } : {}), max: options.max, tags });
    const isolation = {
      level: "level" in chosen ? chosen.level : null,
      ...("error" in chosen ? { error: chosen.error } : {}),
      network: options.jobNetwork ? "on" : "off",
      levels: Object.fromEntries(probes.map((p) => [p.level, { available: p.available, detail: p.detail }])),
    };
    process.stdout.write(JSON.stringify({ name: options.name, ...d, isolation }, null, 2) + "\n");
    return 0;
  }
  if (flags.offline) {
    // Loaded only in offline mode: the job-file parser, profiles and the folder queue stay out of an idle online agent.
    const { OfflineAgent } = await import("./offline/offline-agent");
    const name = options.name;
    const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} fleet-agent[${name} offline] ${msg}\n`);
    const isolation = setUpIsolation(options, process.env, log, probes);
    const agent = new OfflineAgent({ dir: flags.offline, options, adapters, env: process.env, log, isolation });
    process.on("SIGTERM", () => agent.requestStop());
    process.on("SIGINT", () => agent.requestStop());
    return agent.run();
  }
  if (!options.server) throw new UsageError("--server: where is the coordinator? pass --server URL or set FLEET_SERVER");

  const name = options.name;
  const log = (msg: string) => process.stderr.write(`${new Date().toISOString()} fleet-agent[${name}] ${msg}\n`);
  let proxy: URL | undefined;
  try {
    proxy = proxyFor(new URL(options.server), proxySettings());
  } catch (e) {
    if (e instanceof ProxyConfigError) throw new UsageError(e.message);
    throw e;
  }
  // Said once, without the proxy's credentials, so an operator sees which way the agent goes.
  if (proxy) log(`coordinator via proxy ${proxy.protocol}//${proxy.host}`);
  const isolation = setUpIsolation(options, process.env, log, probes);
  const agent = new FactoryAgent({ options: { ...options, server: options.server }, adapters, env: process.env, log, isolation });
  process.on("SIGTERM", () => agent.requestStop());
  process.on("SIGINT", () => agent.requestStop());
  return agent.run();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    if (e instanceof UsageError) {
      process.stderr.write(`fleet-agent: ${e.message}\n`);
      process.exit(2);
    }
    if (e instanceof FatalAgentError) {
      process.stderr.write(`fleet-agent: ${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`fleet-agent: unexpected error: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
