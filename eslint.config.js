// The lint gate (`make lint`, run by `make test` before the tests). Type-aware rules catch
// what the type checker lets through: a promise nobody awaits or catches, an async
// function handed to a callback that drops its promise (an event handler whose rejection
// would go unhandled), and code nothing uses.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const unusedVars = ['error', {
  // `const { password: _password, ...rest } = x` drops a field on purpose, and
  // `for await (const _ of it)` only drains: an underscore says "unused by design".
  ignoreRestSiblings: true,
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrors: 'none',
}];

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'packages/contracts/src/grpc/generated/**', 'bench/results/**', '.run/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': unusedVars,
      // A variable declared before the closures that read it and assigned once after them stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // An async method without an await still turns a throw into a rejection, which
      // is what an interface returning a promise (a check, a close) promises its callers.
      '@typescript-eslint/require-await': 'off',
      // `Position | 'start'` is a string either way; the union names the sentinel for the reader.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
    },
  },
  {
    // Tests, test helpers and benchmarks read JSON bodies (`any`) and assert them by
    // value; typing every body would add casts, not safety. Production code keeps the rules.
    files: ['**/*.test.ts', '**/testing/**/*.ts', '**/testing.ts', '**/bench/**/*.ts', 'infra/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: { 'no-unused-vars': unusedVars },
  },
  {
    files: ['packages/web/public/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
    rules: { 'no-unused-vars': unusedVars },
  },
  { files: ['eslint.config.js'], languageOptions: { globals: globals.node } },
);
