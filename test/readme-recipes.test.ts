// @vitest-environment node
/**
 * The README's framework recipes are the example files, line for line: every code block whose
 * first line names a file under examples/ must equal that file, so a recipe cannot drift from
 * the code the e2e suite runs (React, Vue) or type-checks (Svelte, Angular).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const recipes = [...readme.matchAll(/^```\w*\n\/\/ (examples\/\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({
  path: m[1]!,
  code: m[2]!,
}));

describe('README framework recipes', () => {
  it('include React, Vue, Svelte and Angular, each from its example file', () => {
    expect(recipes.map((r) => r.path)).toEqual([
      'examples/react/src/auth.tsx',
      'examples/vue/src/auth.ts',
      'examples/svelte/auth.ts',
      'examples/angular/auth.service.ts',
    ]);
  });

  it.each(recipes)('$path is the README block, line for line', ({ path, code }) => {
    expect(code).toBe(readFileSync(fileURLToPath(new URL(path, root)), 'utf8'));
  });
});
