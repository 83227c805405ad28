import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeSchema, listVariableNames } from '@authlab/config';
import { commonErrors } from '@authlab/http-errors';
import { describe, expect, it } from 'vitest';
import { authConfigSchema } from '../src/config.js';
import { authErrors } from '../src/errors.js';

function readRepositoryFile(relativePath: string): string {
  return readFileSync(fileURLToPath(new URL(`../../../${relativePath}`, import.meta.url)), 'utf8');
}

/** Returns the cells of the first table under a `## heading`, without the header and separator rows. */
function readTableRows(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start === -1) {
    throw new Error(`no "## ${heading}" section`);
  }

  const rows: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) {
      break;
    }
    if (line.startsWith('|')) {
      rows.push(
        line
          .slice(1, -1)
          .split('|')
          .map((cell) => cell.trim()),
      );
    } else if (rows.length > 0) {
      break;
    }
  }
  return rows.slice(2);
}

function listBacktickedNames(cell: string): string[] {
  return [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1] ?? '');
}

function readErrorTable(heading: string): Record<string, number> {
  const rows = readTableRows(readRepositoryFile('docs/errors.md'), heading);
  return Object.fromEntries(
    rows.map(([code = '', status = '']) => [code.replaceAll('`', ''), Number(status)]),
  );
}

function statusesOf(catalog: Readonly<Record<string, { statusCode: number }>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(catalog).map(([code, definition]) => [code, definition.statusCode]),
  );
}

describe('auth docs', () => {
  it('README lists exactly the schema variables', () => {
    const rows = readTableRows(readRepositoryFile('services/auth/README.md'), 'Environment');
    const documentedNames = rows.flatMap(([name = '']) => listBacktickedNames(name));

    expect(documentedNames).toEqual(listVariableNames(authConfigSchema));
  });

  it('README shows the schema defaults', () => {
    const rows = readTableRows(readRepositoryFile('services/auth/README.md'), 'Environment');
    const documented = rows.map(([name = '', required = '', fallback = '', unit = '']) => ({
      names: listBacktickedNames(name).join(' or '),
      required: required === 'yes',
      default: fallback.replaceAll('`', ''),
      unit,
    }));

    const expected = describeSchema(authConfigSchema).map((row) => ({
      names: row.name,
      required: row.required,
      default: row.default,
      unit: row.unit,
    }));
    expect(documented).toEqual(expected);
  });

  it('env example lists exactly the schema variables', () => {
    const example = readRepositoryFile('deploy/env/auth.env.example');
    const names = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);

    expect(names).toEqual(listVariableNames(authConfigSchema));
  });

  it('env example sets no secret value', () => {
    const example = readRepositoryFile('deploy/env/auth.env.example');

    expect(example).toMatch(/^AUTH_JWT_SECRET=$/m);
  });

  it('errors.md Common table matches the shared catalog', () => {
    expect(readErrorTable('Common')).toEqual(statusesOf(commonErrors));
  });

  it('errors.md Common and Auth tables match the auth catalog', () => {
    const documented = { ...readErrorTable('Common'), ...readErrorTable('Auth service') };

    expect(documented).toEqual(statusesOf(authErrors));
  });

  it('errors.md Auth table holds only auth codes', () => {
    const authOnly = Object.keys(readErrorTable('Auth service'));

    expect(authOnly.filter((code) => code in commonErrors)).toEqual([]);
    expect(authOnly.length).toBeGreaterThan(0);
  });
});
