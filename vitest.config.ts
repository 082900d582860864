import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    // Integration tests start their own emulator on a free loopback port; 2 cores here.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The SDK warns once per process that its 2027 releases need Node 22; the pinned SDK works on 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
