import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const english = readFileSync(join(root, 'README.md'), 'utf8');
const chinese = readFileSync(join(root, 'README.zh-CN.md'), 'utf8');

/** Relative link targets of a Markdown file, without anchors. */
function listLocalLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1] ?? '');
  return [
    ...new Set(
      targets.filter((target) => !/^[a-z]+:/.test(target)).map((target) => target.split('#')[0] ?? ''),
    ),
  ]
    .filter((target) => target !== '')
    .sort();
}

/** Shell lines of the ```sh blocks, without their trailing comments. */
function listShellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line !== '');
}

/** Inline code spans, which name commands, variables, routes, strategies and modes. */
function listCodeSpans(markdown: string): string[] {
  const withoutBlocks = markdown.replace(/```[\s\S]*?```/g, '');
  return [...new Set([...withoutBlocks.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? ''))].sort();
}

describe('README translations', () => {
  it('link to files that exist', () => {
    for (const target of [...listLocalLinks(english), ...listLocalLinks(chinese)]) {
      expect(existsSync(join(root, target)), target).toBe(true);
    }
  });

  it('link to the same documents', () => {
    const withoutEachOther = (links: string[]) =>
      links.filter((link) => link !== 'README.md' && link !== 'README.zh-CN.md');

    expect(withoutEachOther(listLocalLinks(chinese))).toEqual(withoutEachOther(listLocalLinks(english)));
  });

  it('give the same shell commands', () => {
    // The Chinese curl example names its placeholder in Chinese, so placeholders in angle brackets are masked.
    const mask = (lines: string[]) => lines.map((line) => line.replace(/<[^>]+>/g, '<…>'));

    expect(mask(listShellCommands(chinese))).toEqual(mask(listShellCommands(english)));
  });

  it('name the same commands, variables and routes', () => {
    expect(listCodeSpans(chinese)).toEqual(listCodeSpans(english));
  });

  it('show the same sample output', () => {
    const sample = (markdown: string) => /```text\n([\s\S]*?)```/.exec(markdown)?.[1];

    expect(sample(chinese)).toBeDefined();
    expect(sample(chinese)).toBe(sample(english));
  });
});
