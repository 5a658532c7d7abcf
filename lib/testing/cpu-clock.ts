/**
 * This process's CPU time in milliseconds, for the growth-ratio tests (linear-time detectors and
 * globs). Wall time counts the minutes a loaded CI machine spends running other test files, which
 * skews a small-vs-large ratio; CPU time counts only the work this process did. Vitest runs each
 * test file in its own forked process, so the figure is the test's own.
 */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
