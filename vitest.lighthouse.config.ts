import { defineConfig } from 'vitest/config';
import base, { LIGHTHOUSE_TEST } from './vitest.config.js';

export default defineConfig({
  test: {
    ...base.test,
    include: [LIGHTHOUSE_TEST],
    exclude: [],
    fileParallelism: false,
    outputFile: { junit: 'reports/junit-lighthouse.xml' },
  },
});
