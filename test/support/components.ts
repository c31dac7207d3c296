// What a suite does when a real component it needs (PostgreSQL, Redis, Chromium, promtool,
// prometheus, kubectl) is missing: it fails with a message saying what is missing and how to proceed.
// Skipping is something a run asks for explicitly, by naming the component in
// DEALERSCOPE_TEST_OPTIONAL (comma-separated: pg, redis, chromium, promtool, prometheus, kubectl,
// or all);
// under CI=true every component is required and the opt-out is ignored. A silent skip would let a
// run without the database report green while proving nothing about it.

export type Component = 'pg' | 'redis' | 'chromium' | 'promtool' | 'prometheus' | 'kubectl';

const NAMES: Record<Component, string> = {
  pg: 'PostgreSQL',
  redis: 'Redis',
  chromium: 'Chromium',
  promtool: 'promtool',
  prometheus: 'prometheus',
  kubectl: 'kubectl',
};

/** The components this run may do without, from DEALERSCOPE_TEST_OPTIONAL (never under CI). */
export function optionalComponents(env: NodeJS.ProcessEnv = process.env): Set<string> {
  if (env.CI) return new Set();
  return new Set(
    (env.DEALERSCOPE_TEST_OPTIONAL ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

const warned = new Set<Component>();

/**
 * Returns true when the component is there; false (the suite skips) only when the run opted out
 * of it; otherwise throws, naming the component, where it was looked for and the opt-out.
 */
export function requireComponent(component: Component, available: boolean, where: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (available) return true;
  const optional = optionalComponents(env);
  if (optional.has(component) || optional.has('all')) {
    if (!warned.has(component)) {
      warned.add(component);
      console.warn(`[tests] ${NAMES[component]} (${where}) is missing; its suites are skipped because DEALERSCOPE_TEST_OPTIONAL names it`);
    }
    return false;
  }
  const how = env.CI
    ? 'CI=true requires every component'
    : `start or install it, or set DEALERSCOPE_TEST_OPTIONAL=${component} to skip the suites that need it`;
  throw new Error(`${NAMES[component]} is required by this suite but ${where} is not available: ${how}`);
}
