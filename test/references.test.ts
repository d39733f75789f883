// @vitest-environment node
/**
 * The repository explains itself: no file points to a document that is not in it, and every
 * security rule a file cites (`docs/security.md P-nn`) exists in docs/security.md.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const SCANNED = [
  'src',
  'test',
  'e2e',
  'demo',
  'docs',
  'bench',
  'scripts',
  'README.md',
  'CHANGELOG.md',
  'rollup.config.mjs',
  'package.json',
  '.ci',
];
const TEXT = /\.(ts|mjs|js|md|json|html|css)$|^run$/;

function files(path: string): string[] {
  const full = join(root, path);
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full).flatMap((name) => files(join(path, name)));
}

const all = SCANNED.flatMap(files).filter((f) => TEXT.test(f.split('/').pop() ?? ''));
const read = (f: string) => readFileSync(join(root, f), 'utf8');

describe('references', () => {
  it('scans the project files', () => {
    expect(all).toContain('README.md');
    expect(all).toContain(relative(root, fileURLToPath(import.meta.url)));
  });

  it('no file points to a document outside the repository', () => {
    // spelled in pieces so that this file does not match itself
    const outside = new RegExp(
      ['SECURITY', 'API', 'DESIGN'].map((n) => `\\b${n}\\.md\\b`).join('|') + '|\\.\\./shared\\b',
    );
    const hits = all.flatMap((f) =>
      read(f)
        .split('\n')
        .flatMap((line, i) => (outside.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
  });

  it('every cited security rule exists in docs/security.md', () => {
    const rules = new Set([...read('docs/security.md').matchAll(/^\*\*(P-\d\d) /gm)].map((m) => m[1]));
    expect(rules.size).toBe(35);
    const cited = all.flatMap((f) =>
      [...read(f).matchAll(/security(?:\.md| model\]\(security\.md\)),? (P-\d\d(?:, P-\d\d)*)/g)].flatMap((m) =>
        (m[1] ?? '').split(', ').map((rule) => ({ f, rule })),
      ),
    );
    expect(cited.length).toBeGreaterThan(10);
    expect(cited.filter(({ rule }) => !rules.has(rule))).toEqual([]);
  });
});
