import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../support/compose-cluster.js';

const COMPOSE_FILES = [
  'docker-compose.yml',
  'deploy/compose/published-ports.yml',
  'deploy/compose/replica-secret-mismatch.yml',
];

/** Collects the variables that the compose files interpolate, with the default each one names. */
function interpolatedVariables(): Map<string, string> {
  const variables = new Map<string, string>();
  for (const file of COMPOSE_FILES) {
    const text = readFileSync(join(REPOSITORY_ROOT, file), 'utf8');
    for (const [, name, fallback] of text.matchAll(/\$\{([A-Z0-9_]+):-([^}]*)\}/g)) {
      variables.set(name!, fallback!);
    }
  }
  return variables;
}

/** Reads the rows of the variables table in docs/compose.md: name and default. */
function documentedVariables(): Map<string, string> {
  const doc = readFileSync(join(REPOSITORY_ROOT, 'docs/compose.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Variables'), doc.indexOf('## Tests'));
  const rows = new Map<string, string>();
  for (const [, name, fallback] of section.matchAll(/^\| `([A-Z0-9_]+)` +\| ([^|]+?) +\|/gm)) {
    rows.set(name!, fallback!);
  }
  return rows;
}

describe('docs/compose.md', () => {
  it('lists every variable the compose files read', () => {
    expect([...documentedVariables().keys()].sort()).toEqual([...interpolatedVariables().keys()].sort());
  });

  it('states the defaults of the compose files', () => {
    const documented = documentedVariables();

    for (const [name, fallback] of interpolatedVariables()) {
      const expected = fallback === '' ? '(random)' : `\`${fallback}\``;
      expect(documented.get(name), name).toBe(expected);
    }
  });

  it('starts with the section for the README', () => {
    const headings = readFileSync(join(REPOSITORY_ROOT, 'docs/compose.md'), 'utf8').match(/^## .+$/gm);

    expect(headings?.[0]).toBe('## For the README');
  });
});
