// @vitest-environment node
/**
 * Every ```ts block of the README compiles against the built declarations (dist/index.d.ts), as
 * `import … from 'spa-auth'` would in an app. The first block, the quick start, must compile on
 * its own in a project set up like Vite's vanilla TypeScript template (unused locals and
 * parameters are errors); the other blocks are fragments: they may use an `auth` client and the
 * page helpers declared in PRELUDE below, and nothing else.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const dts = fileURLToPath(new URL('../dist/index.d.ts', import.meta.url));

/**
 * The ```ts blocks, with the line each starts on. A block whose first line names a file under
 * examples/ is that file (test/readme-recipes.test.ts), type-checked with its framework's types
 * by `npm run typecheck` (examples/tsconfig.json): it is left out here.
 */
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)]
  .map((m) => ({ code: m[1] ?? '', line: readme.slice(0, m.index).split('\n').length }))
  .filter((b) => !/^\/\/ examples\//.test(b.code))
  .map((b) => (b.code.startsWith('{') ? { ...b, code: asOptions(b.code) } : b));

/**
 * A block that is an object literal is a provider's options (README, "Providers"): it must be
 * valid `createAuthClient` options but for `redirectUri`, which every such example leaves out.
 */
function asOptions(code: string): string {
  return `import type { AuthClientOptions } from 'spa-auth';\nexport const options = (${code}) satisfies Omit<AuthClientOptions, 'redirectUri'>;\n`;
}

/** What a fragment may use without defining it: a client, and helpers of the app's own page. */
const PRELUDE = `import type { AuthClient } from 'spa-auth';
declare global {
  const auth: AuthClient;
  function render(): void;
}
`;

/** Compiler options of Vite's vanilla-ts template (create-vite), plus the project's strictness. */
const viteTemplate: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  useDefineForClassFields: true,
  module: ts.ModuleKind.ESNext,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: [],
  skipLibCheck: true, // the declarations themselves are checked by test/dist.test.ts
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  moduleDetection: ts.ModuleDetectionKind.Force,
  noEmit: true,
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noFallthroughCasesInSwitch: true,
  noUncheckedSideEffectImports: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  paths: {
    'spa-auth': [dts],
    'spa-auth/dpop': [dts.replace(/index\.d\.ts$/, 'dpop.d.ts')],
    'spa-auth/popup': [dts.replace(/index\.d\.ts$/, 'popup.d.ts')],
    'spa-auth/userinfo': [dts.replace(/index\.d\.ts$/, 'userinfo.d.ts')],
    'spa-auth/silent-callback': [dts.replace(/index\.d\.ts$/, 'silent-callback.d.ts')],
  },
};

/** Type-checks one block as a module of its own; returns the diagnostics as "line: message". */
function check(code: string, { prelude, options }: { prelude: boolean; options: ts.CompilerOptions }): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'spa-auth-readme-'));
  try {
    const file = join(dir, 'snippet.ts');
    writeFileSync(file, code);
    const files = [file];
    if (prelude) {
      writeFileSync(join(dir, 'prelude.ts'), PRELUDE);
      files.push(join(dir, 'prelude.ts'));
    }
    const program = ts.createProgram(files, options);
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const where =
        d.file && d.start !== undefined
          ? `${d.file.fileName.endsWith('prelude.ts') ? 'prelude ' : ''}line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}`
          : 'program';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('README TypeScript blocks', () => {
  it('has a quick start and other TypeScript examples to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(blocks[0]?.code).toMatch(/createAuthClient\(/);
  });

  it('the quick start compiles on its own in a Vite TypeScript project, and handles errors', () => {
    const quickStart = blocks[0]?.code ?? '';
    expect(check(quickStart, { prelude: false, options: viteTemplate })).toEqual([]);
    // what a first-time user copies must show init() failing and how to tell AuthErrors apart
    expect(quickStart).toMatch(/try\s*\{[\s\S]{0,300}?await auth\.init\(\)[\s\S]*?\}\s*catch\s*\(/);
    expect(quickStart).toMatch(/isAuthError\(/);
  }, 120_000);

  it.each(blocks.slice(1).map((b) => [b.line, b.code] as const))(
    'the block at README line %i compiles',
    (_line, code) => {
      expect(
        check(code, { prelude: true, options: { ...viteTemplate, noUnusedLocals: false, noUnusedParameters: false } }),
      ).toEqual([]);
    },
    120_000,
  );

  it('a block with an error is caught (the check is not vacuous)', () => {
    const errors = check(
      "import { createAuthClient } from 'spa-auth';\ncreateAuthClient({ issuer: 'https://id.example.com', client_id: 'x', redirectUri: '/' });\nshowSignedOut();\n",
      { prelude: true, options: viteTemplate },
    );
    expect(errors.join('\n')).toMatch(/client_id/);
    expect(errors.join('\n')).toMatch(/showSignedOut/);
  }, 120_000);
});
