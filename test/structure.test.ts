/**
 * The shape of src/: modules import only downward (no cycle, type imports included), no file
 * over 300 lines, no function over 60 lines of its own without a reason written beside it.
 * Read with the TypeScript compiler's parser, so comments and strings never count as imports.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));
const parsed = new Map(
  files.map((f) => [f, ts.createSourceFile(f, readFileSync(join(SRC, f), 'utf8'), ts.ScriptTarget.Latest, true)]),
);

/** The src/ modules a file imports or re-exports from, `import type` included. */
function importsOf(source: ts.SourceFile): string[] {
  const found: string[] = [];
  for (const node of source.statements) {
    const spec = (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier;
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith('./'))
      found.push(spec.text.slice(2).replace(/\.js$/, '.ts'));
  }
  return found;
}

/** Every import cycle among `graph`'s nodes, each as a path that returns to its start. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]) => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      found.push([...path.slice(path.indexOf(node)), node]);
      return;
    }
    state.set(node, 'open');
    for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  return found;
}

/** The numbers from `from` to `to`, both included. */
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
/** A line of code: not blank, not only a comment. */
const isCode = (text: string) => !/^\s*($|\/\/|\/\*|\*)/.test(text);

/** A reason for a long function: a comment right above it that starts with `Long:`. */
const REASON = /\/\/ Long: |\* Long: /;

/**
 * Functions longer than `max` lines of code of their own: the lines of a function's span that
 * are neither blank, nor only a comment, nor inside a function nested in it (a factory is
 * measured by its own statements, and each function it returns on its own), unless a `Long:`
 * comment above it gives the reason.
 */
function longFunctions(source: ts.SourceFile, max: number): string[] {
  const long: string[] = [];
  const lines = source.text.split('\n');
  const line = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const nested = (node: ts.Node): ts.FunctionLikeDeclaration[] => {
    const inner: ts.FunctionLikeDeclaration[] = [];
    // forEachChild stops at a truthy return: the walker returns nothing.
    const walk = (n: ts.Node): void => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) inner.push(n as ts.FunctionLikeDeclaration);
      else ts.forEachChild(n, walk);
    };
    ts.forEachChild(node, walk);
    return inner;
  };
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      // A nested function's first and last lines are shared with the code around it.
      const inner = new Set(nested(node).flatMap((n) => range(line(n.getStart()) + 1, line(n.end) - 1)));
      const own = range(line(node.getStart()), line(node.end)).filter((l) => !inner.has(l) && isCode(lines[l]!)).length;
      const comments = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
      const statement =
        node.parent && (ts.isVariableDeclaration(node.parent) ? node.parent.parent.parent : node.parent);
      const above = [...comments, ...(ts.getLeadingCommentRanges(source.text, statement.getFullStart()) ?? [])];
      const reasoned = above.some((c) => REASON.test(source.text.slice(c.pos, c.end)));
      if (own > max && !reasoned) long.push(`${source.fileName}:${line(node.getStart()) + 1} (${own} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return long;
}

describe('src/ structure', () => {
  it('imports only downward: no cycle among the modules, type imports included', () => {
    const graph = new Map([...parsed].map(([f, source]) => [f, importsOf(source)]));
    for (const [f, deps] of graph) for (const dep of deps) expect(files, `${f} imports ${dep}`).toContain(dep);
    expect(cycles(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the check is not vacuous)', () => {
    expect(
      cycles(
        new Map([
          ['a.ts', ['b.ts']],
          ['b.ts', ['c.ts']],
          ['c.ts', ['a.ts']],
        ]),
      ),
    ).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    const typeOnly = ts.createSourceFile(
      'x.ts',
      "import type { A } from './a.js';\nexport { B } from './b.js';",
      ts.ScriptTarget.Latest,
      true,
    );
    expect(importsOf(typeOnly)).toEqual(['a.ts', 'b.ts']);
  });

  it('has no file over 300 lines', () => {
    const long = files.filter((f) => readFileSync(join(SRC, f), 'utf8').split('\n').length > 300);
    expect(long).toEqual([]);
  });

  it('has no function over 60 lines of its own without a written reason', () => {
    expect([...parsed.values()].flatMap((source) => longFunctions(source, 60))).toEqual([]);
  });

  it('measures a long function (the check is not vacuous)', () => {
    const body = Array.from({ length: 70 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const long = ts.createSourceFile('long.ts', `export function f() {\n${body}\n}\n`, ts.ScriptTarget.Latest, true);
    expect(longFunctions(long, 60)).toEqual(['long.ts:1 (72 lines)']);
    const commented = ts.createSourceFile(
      'c.ts',
      `export function f() {\n${body.replace(/const/g, '// const')}\n}\n`,
      ts.ScriptTarget.Latest,
      true,
    );
    expect(longFunctions(commented, 60)).toEqual([]);
    const reasoned = ts.createSourceFile(
      'ok.ts',
      `// Long: one table, row by row\nexport function f() {\n${body}\n}\n`,
      ts.ScriptTarget.Latest,
      true,
    );
    expect(longFunctions(reasoned, 60)).toEqual([]);
  });
});
