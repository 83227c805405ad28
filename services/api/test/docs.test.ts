import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeSchema, listVariableNames } from '@authlab/config';
import { commonErrors } from '@authlab/http-errors';
import { describe, expect, it } from 'vitest';
import { apiConfigSchema } from '../src/config.js';
import { apiErrors, errorCatalog } from '../src/errors.js';

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

describe('api docs', () => {
  it('README lists exactly the schema variables', () => {
    const rows = readTableRows(readRepositoryFile('services/api/README.md'), 'Environment');
    const documentedNames = rows.flatMap(([name = '']) => listBacktickedNames(name));

    expect(documentedNames).toEqual(listVariableNames(apiConfigSchema));
  });

  it('README shows the schema rows', () => {
    const rows = readTableRows(readRepositoryFile('services/api/README.md'), 'Environment');
    const documented = rows.map(([name = '', required = '', fallback = '', unit = '', description = '']) => ({
      names: listBacktickedNames(name).join(' or '),
      required: required === 'yes',
      default: fallback.replaceAll('`', ''),
      unit,
      description,
    }));

    const expected = describeSchema(apiConfigSchema).map((row) => ({
      names: row.name,
      required: row.required,
      default: row.default,
      unit: row.unit,
      description: row.description,
    }));
    expect(documented).toEqual(expected);
  });

  it('README lists every route', () => {
    const rows = readTableRows(readRepositoryFile('services/api/README.md'), 'Endpoints');
    const routes = rows.flatMap(([cell = '']) =>
      [...cell.matchAll(/`(GET|POST|PUT) ([^`]+)`/g)].map((m) => `${m[1]} ${m[2]}`),
    );

    expect(routes.sort()).toEqual(
      [
        'GET /public/me',
        'GET /jwt/me',
        'POST /session-memory/login',
        'POST /session-redis/login',
        'GET /session-memory/me',
        'GET /session-redis/me',
        'POST /session-memory/logout',
        'POST /session-redis/logout',
        'GET /healthz',
        'GET /readyz',
        'POST /cookie-session/login',
        'GET /cookie-session/me',
        'PUT /cookie-session/data',
        'GET /cookie-session/data',
        'POST /cookie-session/logout',
        'GET /basic/me',
      ].sort(),
    );
  });

  it('env example lists exactly the schema variables', () => {
    const example = readRepositoryFile('deploy/env/api.env.example');
    const names = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);

    expect(names).toEqual(listVariableNames(apiConfigSchema));
  });

  it('env example sets no secret value', () => {
    const example = readRepositoryFile('deploy/env/api.env.example');

    expect(example).toMatch(/^API_JWT_SECRET=$/m);
    expect(example).toMatch(/^API_SESSION_SECRET=$/m);
    expect(example).toMatch(/^API_COOKIE_SESSION_KEYS=$/m);
  });

  it('errors.md Common table matches the shared catalog', () => {
    expect(readErrorTable('Common')).toEqual(statusesOf(commonErrors));
  });

  it('errors.md Common and API tables match the replica catalog', () => {
    const documented = { ...readErrorTable('Common'), ...readErrorTable('API replicas') };

    expect(documented).toEqual(statusesOf(errorCatalog));
  });

  it('errors.md API table holds only replica codes', () => {
    expect(Object.keys(readErrorTable('API replicas'))).toEqual(Object.keys(apiErrors));
  });
});
