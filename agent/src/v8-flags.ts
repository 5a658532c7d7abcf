/**
 * V8 settings the agent sets for itself, before anything else is evaluated (main.ts imports this
 * module first). An agent is a long-lived, mostly idle process on every factory, so its resident
 * memory matters more than allocation throughput:
 *
 * - `--semi-space-growth-factor=1`: the young generation stays at its initial size instead of
 *   growing (to 8 MB here) during start-up's burst of allocation (schema construction, detection),
 *   memory that an idle agent would then keep resident for its whole life (≈ 2 MB of RSS). The
 *   flag is read when V8 decides to grow, so setting it at run time works, unlike
 *   `--max-semi-space-size` (fixed when the heap is created). Cost: more, equally cheap, scavenges
 *   while a job streams output; an agent spends its time waiting on engines and the network.
 */
import v8 from "node:v8";

v8.setFlagsFromString("--semi-space-growth-factor=1");
