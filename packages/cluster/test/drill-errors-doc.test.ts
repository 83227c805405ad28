import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DRILL_API_ERRORS } from '../src/dashboard-drills.js';

/** Reads `status code` pairs from the rows of the "Drill API" table in docs/errors.md. */
function readDocumentedErrors(): string[] {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const section = doc.split(/^## /m).find((part) => part.startsWith('Drill API'));
  if (section === undefined) {
    throw new Error('docs/errors.md has no "## Drill API" section');
  }
  return [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map(
    ([, code, status]) => `${status} ${code}`,
  );
}

describe('drill API error codes', () => {
  it('match the Drill API table of docs/errors.md', () => {
    const implemented = Object.entries(DRILL_API_ERRORS).map(([code, status]) => `${status} ${code}`);

    expect(readDocumentedErrors().sort()).toEqual(implemented.sort());
  });
});
