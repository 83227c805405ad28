import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corsErrors } from '../src/index.js';

/** Returns code and status of each row of the table under `## heading` in docs/errors.md. */
function readErrorTable(heading: string): Record<string, number> {
  const markdown = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const section = markdown.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((line) => /^\| `[A-Z_]+`/.test(line));

  return Object.fromEntries(
    rows.map((line) => {
      const [code = '', status = ''] = line
        .slice(1)
        .split('|')
        .map((cell) => cell.trim());
      return [code.replaceAll('`', ''), Number(status)];
    }),
  );
}

describe('errors.md', () => {
  it('lists the CORS codes with their statuses', () => {
    const expected = Object.fromEntries(
      Object.entries(corsErrors).map(([code, definition]) => [code, definition.statusCode]),
    );

    expect(readErrorTable('CORS')).toEqual(expected);
  });
});
