import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const vendorOnlyAtTheEdge = {
  patterns: [
    { group: ['express', 'express/*', 'ws', 'twilio', 'twilio/*', 'botbuilder', 'botbuilder*', '@google-cloud/*', 'google-gax', '@grpc/*', 'redis', '@redis/*', 'better-sqlite3', 'pino'],
      message: 'The core (engine, flows, NLU, handoff) imports no framework, vendor or storage code: put it behind a port in src/core/ports.ts and wire it in src/server/composition.ts.' },
    { group: ['**/channels/**', '**/stores/**', '**/speech/**', '**/server/**'],
      message: 'Dependencies point inward: the core must not import adapters.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'src/channels/web/assets/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/flows/**/*.ts', 'src/nlu/**/*.ts', 'src/handoff/**/*.ts', 'src/i18n/**/*.ts', 'src/analytics/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', vendorOnlyAtTheEdge] },
  },
);
