export const HELP = `fleet-agent — the Gigafactory factory agent

Registers this machine with a coordinator, advertises what it can run, claims jobs,
runs them with the local coding-agent CLIs, verifies them and reports back.

Usage:
  npx fleet-agent --server URL --token TOKEN [options]
  npx fleet-agent --server URL --fallback DIR [--fallback-after 2m] [options]
  npx fleet-agent --offline DIR [--engines a,b] [--max N] [--once]
  npx fleet-agent --detect [--engines a,b] [--tags k:v,...] [--config FILE]

Options:
  --server URL       Coordinator base URL, e.g. http://127.0.0.1:3000 (env FLEET_SERVER).
  --token TOKEN      Enrollment token, used only on first start to register; the factory token
                     the coordinator returns is kept in the user config directory, per --name,
                     with mode 0600, and reused afterwards (env FLEET_ENROLLMENT_TOKEN).
  --token-file FILE  Read the enrollment token from FILE ("-": stdin) instead of the command line,
                     where every process on the machine can read it.
  --insecure-http    Allow a plain http:// coordinator that is not on this machine (tokens and
                     jobs then cross the network unencrypted; loopback http is always allowed).
  --name NAME        Factory name (letters, digits, '.', '_', '-'; default: the host name).
  --max N            Jobs run at the same time on this machine, over all engines (1-256, default 1).
  --workdir DIR      Where repository caches and per-job worktrees live
                     (default: $XDG_CACHE_HOME/gigafactory/<name>).
  --engines LIST     Engines to offer, comma-separated, optionally with slots: claude:2,shell.
                     Default: every engine found on PATH, plus shell.
  --tags LIST        Extra capabilities to advertise, comma-separated: region:eu,team:web.
  --cost-per-hour N  What an hour of this machine costs, in USD (default 0). Cheaper factories
                     win cost-sensitive jobs (low priority, tight budget).
  --config FILE      JSON or YAML config: server, name, max, workdir, tags, costPerHour, engines
                     (override an adapter or add a custom engine: command, args with {prompt},
                     yoloArgs, prompt: arg|stdin|file, output: text|claude|codex|gemini).
  --isolation LEVEL  How each job (engine and verify) is confined: bwrap (Linux, bubblewrap: own
                     PID namespace, read-only system, the agent's files hidden), sandbox-exec
                     (macOS), user (a dedicated OS user, see --job-user; agent as root), none (no
                     isolation: warned about). Default: the strongest available (see --detect).
  --job-network on|off  Network for jobs under bwrap/sandbox-exec (default on; off: loopback only).
  --job-user NAME    The OS user jobs run as with --isolation user (default fleet-job).
  --once             Claim at most one job, run it, and exit (tests and cron); with --offline,
                     process at most one file of DIR/inbox (none waiting: exit at once).
  --offline DIR      Folder queue without a coordinator: job files (*.md) dropped in DIR/inbox
                     run here and move through building/ to review/, testing/, shipped/ or
                     failed/, with <name>.log and <name>.result.json beside them.
  --fallback DIR     With --server: when the coordinator has been unreachable for --fallback-after,
                     take work from DIR/inbox (the --offline folder queue) until it answers again;
                     leases held when the link went down finish, and their reports wait in the
                     outbox (<config dir>/<name>.outbox) until the coordinator acknowledges them.
  --fallback-after D How long unreachable before --fallback is used: 90s, 2m, 1h (default 2m).
                     Once the coordinator answers, the folder's finished jobs are recorded there
                     and the jobs still waiting in DIR/inbox are submitted to it (and leave the
                     inbox for DIR/submitted/).
  --offline-only     With --fallback: keep the jobs waiting in DIR/inbox local when the coordinator
                     is back (they run on the folder's next outage, or by an --offline agent).
  --detect           Print the detected capabilities, stations and isolation levels as JSON and exit.
  --version          Print the agent version and exit.
  --help             Show this help.

Signals: the first SIGTERM/SIGINT drains (finish running jobs, claim nothing new, exit 0);
a second one stops now (engines killed, leases completed as cancelled).

Environment: FLEET_SERVER, FLEET_ENROLLMENT_TOKEN, FLEET_HEARTBEAT_MS (heartbeat interval),
FLEET_AGENT_CONFIG_DIR (where the factory token is kept), FLEET_AGENT_KILL_GRACE_MS (SIGTERM → SIGKILL),
FLEET_AGENT_PASS_ENV (extra variable names a job may see: jobs get an allowlisted environment,
HOME and TMPDIR in a scratch directory, and only their own engine's credential variables).
`;
