import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NGINX_TEMPLATE_PATH } from '../src/index.js';

const ERRORS_DOC = fileURLToPath(new URL('../../../docs/errors.md', import.meta.url));

/** Reads `status code` pairs from the rows of the "Balancer (nginx)" table in docs/errors.md. */
function readDocumentedErrors(): string[] {
  const doc = readFileSync(ERRORS_DOC, 'utf8');
  const section = doc.split(/^## /m).find((part) => part.startsWith('Balancer'));
  if (section === undefined) {
    throw new Error('docs/errors.md has no "## Balancer" section');
  }
  return [...section.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map(
    ([, code, status]) => `${status} ${code}`,
  );
}

/** Reads `status code` pairs from the JSON bodies nginx returns itself in the template. */
function readTemplateErrors(): string[] {
  const template = readFileSync(NGINX_TEMPLATE_PATH, 'utf8');
  return [...template.matchAll(/return (\d{3}) '\{"statusCode":(\d{3}),"code":"([A-Z_]+)"/g)].map(
    ([, returned, body, code]) => {
      expect(body).toBe(returned);
      return `${returned} ${code}`;
    },
  );
}

describe('balancer error codes', () => {
  it('match the Balancer table of docs/errors.md', () => {
    const documented = readDocumentedErrors();

    expect(documented.length).toBeGreaterThan(0);
    expect(readTemplateErrors().sort()).toEqual(documented.sort());
  });
});
