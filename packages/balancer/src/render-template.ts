/**
 * A small logic-less template language, enough for the nginx template and no more:
 *
 * - `{{name}}` inserts a string or number value.
 * - `{{#name}}...{{/name}}` renders the block once per item when the value is a list (each item's fields
 *   shadow the outer ones), once when the value is a non-empty string, a non-zero number or `true`, and not
 *   at all otherwise.
 * - `{{^name}}...{{/name}}` renders the block only when `{{#name}}` would not.
 * - `{{! text }}` is a comment and renders nothing.
 *
 * A tag that is alone on its line takes the whole line with it, so blocks leave no blank lines behind.
 * A name that no scope defines is an error, so the template and the code that renders it stay in step.
 */

export type TemplateValue = string | number | boolean | undefined | readonly TemplateScope[];

export interface TemplateScope {
  readonly [name: string]: TemplateValue;
}

type TemplateNode =
  | { kind: 'text'; text: string }
  | { kind: 'variable'; name: string }
  | { kind: 'section'; name: string; inverted: boolean; children: TemplateNode[] };

/** Error raised for a template that does not parse or names a value that is missing. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const STANDALONE_TAG = /^[ \t]*(\{\{[#^/!][^}]*\}\})[ \t]*\r?\n/gm;
const TAG = /\{\{([#^/!]?)\s*([^}]*?)\s*\}\}/g;
const NAME = /^[a-z_][a-z0-9_]*$/;

/** Renders `template` with the values in `scope`; throws TemplateError on a syntax error or a missing name. */
export function renderTemplate(template: string, scope: TemplateScope): string {
  const nodes = parseTemplate(template.replace(STANDALONE_TAG, '$1'));
  return renderNodes(nodes, [scope]);
}

function parseTemplate(template: string): TemplateNode[] {
  const root: TemplateNode[] = [];
  const stack: { name: string; children: TemplateNode[] }[] = [{ name: '', children: root }];
  let cursor = 0;

  for (const match of template.matchAll(TAG)) {
    const [tag, sigil = '', name = ''] = match;
    const children = stack[stack.length - 1]!.children;
    if (match.index > cursor) {
      children.push({ kind: 'text', text: template.slice(cursor, match.index) });
    }
    cursor = match.index + tag.length;

    if (sigil === '!') {
      continue;
    }
    if (!NAME.test(name)) {
      throw new TemplateError(`invalid tag ${tag}: a name is lowercase letters, digits and underscores`);
    }

    if (sigil === '#' || sigil === '^') {
      const section: TemplateNode = { kind: 'section', name, inverted: sigil === '^', children: [] };
      children.push(section);
      stack.push({ name, children: section.children });
    } else if (sigil === '/') {
      const open = stack.pop();
      if (!open || open.name !== name || stack.length === 0) {
        throw new TemplateError(`unexpected ${tag}: the open section is "${open?.name ?? ''}"`);
      }
    } else {
      children.push({ kind: 'variable', name });
    }
  }

  if (stack.length > 1) {
    throw new TemplateError(`section "${stack[stack.length - 1]!.name}" is never closed`);
  }
  if (cursor < template.length) {
    root.push({ kind: 'text', text: template.slice(cursor) });
  }
  return root;
}

function renderNodes(nodes: readonly TemplateNode[], scopes: readonly TemplateScope[]): string {
  let output = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      output += node.text;
      continue;
    }

    const value = lookUp(node.name, scopes);
    if (node.kind === 'variable') {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new TemplateError(`{{${node.name}}} needs a string or a number, got ${describeValue(value)}`);
      }
      output += String(value);
      continue;
    }

    const items = sectionItems(value);
    if (node.inverted) {
      output += items.length === 0 ? renderNodes(node.children, scopes) : '';
      continue;
    }
    for (const item of items) {
      output += renderNodes(node.children, item === undefined ? scopes : [...scopes, item]);
    }
  }
  return output;
}

function lookUp(name: string, scopes: readonly TemplateScope[]): TemplateValue {
  for (let index = scopes.length - 1; index >= 0; index -= 1) {
    const scope = scopes[index]!;
    if (Object.hasOwn(scope, name)) {
      return scope[name];
    }
  }
  throw new TemplateError(`the template uses "${name}", which no value defines`);
}

/** Lists what a section renders once each: list items, or one pass (undefined) for a set scalar. */
function sectionItems(value: TemplateValue): readonly (TemplateScope | undefined)[] {
  if (Array.isArray(value)) {
    return value;
  }
  const isSet =
    value === true ||
    (typeof value === 'string' && value !== '') ||
    (typeof value === 'number' && value !== 0);
  return isSet ? [undefined] : [];
}

function describeValue(value: TemplateValue): string {
  if (Array.isArray(value)) {
    return 'a list';
  }
  return value === undefined ? 'undefined' : typeof value;
}
