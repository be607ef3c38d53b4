/** Browser tests: `npm run test:e2e` (needs /usr/bin/chromium; Debian's `chromium` package). */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }] },
  setupFiles: ['<rootDir>/test/support/no-network-env.js'],
  testTimeout: 120000,
  maxWorkers: 1,
};
