import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layering rules of docs/decisions/009 and the house style, checked on the source: a route that grows its own
// query, or a model that starts answering HTTP, fails here with the file and line.

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|tsx)$/.test(file))
    .map((file) => path.join(dir, file));
}

function offending(dir: string, pattern: RegExp): string[] {
  return sourceFiles(dir).flatMap((file) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, index) => (pattern.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [])),
  );
}

describe('the layers', () => {
  it('routes hold no SQL: queries live in app/models', () => {
    expect(offending('app/routes', /\.(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql`|from 'kysely'/)).toEqual([]);
  });

  it('models build no HTTP responses: they throw DomainErrors, which app/utils maps to HTTP in one place', () => {
    expect(offending('app/models', /new Response\(|(?<![\w.])Response\.json\(|\bredirect\(|from '@remix-run\/(node|react)'/)).toEqual([]);
  });

  it('only the configuration module reads the environment', () => {
    const readers = [...offending('app', /process\.env/), ...offending('db', /process\.env/)].filter(
      (line) => !line.startsWith(path.join('app', 'utils', 'config.server.ts')),
    );
    expect(readers).toEqual([]);
  });
});
