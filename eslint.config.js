// ESLint flat config (npm run lint, 0 warnings allowed): typescript-eslint's type-checked
// recommended rules over every TypeScript file. Rules switched off or tuned are listed with the
// reason; everything else is the recommended set as published. Formatting is Prettier's.
import { fileURLToPath } from 'node:url';
import { includeIgnoreFile } from '@eslint/compat';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // What git ignores (build output, generated clients, caches, benchmark results) is not ours to
  // lint; without this, a generated or cached script in the working tree fails the run.
  includeIgnoreFile(fileURLToPath(new URL('.gitignore', import.meta.url))),
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'reports/**',
      'bench/results/**',
      'data/**',
      // The typed client compiles against client/generated/, which `npm run client:generate`
      // writes from the live OpenAPI document and is not committed; it is type-checked there.
      'client/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // One program from tsconfig.json, built once: the project service took half again as long
        // (50 s against 34 s) at the same memory.
        project: ['./tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Fastify plugins, hooks and handlers are async by contract (a throw becomes the error
      // reply or a failed registration), and sync implementations of Promise-returning
      // interfaces are deliberate; an `await` added only to please the rule would change nothing.
      '@typescript-eslint/require-await': 'off',
      // Values from auction sites, feeds and query strings arrive as `unknown` and are turned
      // into text with String() on purpose, then validated; an object becomes a string that
      // fails validation, which is the wanted outcome.
      '@typescript-eslint/no-base-to-string': 'off',
      // The code writes `!` on indexed reads as if `noUncheckedIndexedAccess` were on (the
      // stricter setting it is written for); with it off this rule would strip every one of them.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // The sanitisers and parsers match control characters on purpose, to strip or reject them.
      'no-control-regex': 'off',
      // `_name` marks a parameter a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `self` (and `monitor`) capture the instance for generator and getter bodies, where
      // `this` is rebound.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self', 'monitor'] }],
    },
  },
  {
    // A serving process must not build ICU formatters or collators: the first one maps ICU's
    // locale data into memory for the life of the process (about 6 MB for a number formatter,
    // 3 MB for a collator). Use src/common/digits.ts and src/common/compare.ts instead.
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'Intl', message: 'loads ICU data for good; see src/common/digits.ts' }],
      'no-restricted-properties': [
        'error',
        ...['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString', 'localeCompare'].map((property) => ({
          property,
          message: 'loads ICU data for good; use groupDigits (src/common/digits.ts) or byCodeUnit (src/common/compare.ts)',
        })),
      ],
    },
  },
  {
    files: ['test/**/*.ts', '**/*.test.ts'],
    rules: {
      // Tests read JSON bodies (`res.json()`, `JSON.parse`) and assert on their shape with
      // expect(); typing every body would restate the schema the assertions already check.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // expect(obj.method).toHaveBeenCalled() and spies take methods unbound by design.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
);
