import { configDefaults, defineConfig } from 'vitest/config';

// Lighthouse scores timing on a throttled phone model, so it runs alone after the suite
// (`npm run test:lighthouse`, its own step in CI), never beside the other test files' load.
export const LIGHTHOUSE_TEST = 'test/e2e/dealer-lighthouse.test.ts';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, LIGHTHOUSE_TEST],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'reports/junit.xml' },
  },
});
