import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // Integration tests start their own emulator on a free loopback port; 2 cores here.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
