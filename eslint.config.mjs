// Lint: the recommended JavaScript and typescript-eslint rules (type-aware for src/), plus the
// few rules this project holds itself to. Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'examples/*/dist/**', 'bench/pages/**'] },
  js.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommended],
    rules: {
      // A `let` that a closure reads before its one assignment (a stub's getter, a gate a test
      // opens later) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A token must never reach the console: src/ does not log.
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Side effects belong in statements, not in `a || b()` or comma expressions.
      'no-unused-expressions': 'off',
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: false, allowTernary: false }],
      'no-sequences': 'error',
      'no-unsafe-finally': 'error',
      // The handles src/ returns are closures over their state, never classes: their methods use
      // no `this`, and passing them around (`handOff: session.takeOver`) is how they are wired.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
