import { describe, expect, it } from 'vitest';
import { renderTemplate, TemplateError } from '../src/index.js';

describe('renderTemplate', () => {
  it('inserts strings and numbers', () => {
    expect(renderTemplate('listen {{host}}:{{port}};', { host: '127.0.0.1', port: 8080 })).toBe(
      'listen 127.0.0.1:8080;',
    );
  });

  it('repeats a section per list item with outer values visible', () => {
    const output = renderTemplate('{{#servers}}server {{address}} max_fails={{max_fails}};\n{{/servers}}', {
      max_fails: 1,
      servers: [{ address: 'a:1' }, { address: 'b:2' }],
    });

    expect(output).toBe('server a:1 max_fails=1;\nserver b:2 max_fails=1;\n');
  });

  it('keeps a section for a set value and drops it for an unset one', () => {
    const template = '{{#user}}user {{user}};{{/user}}{{^user}}# no user{{/user}}';

    expect(renderTemplate(template, { user: 'nobody nogroup' })).toBe('user nobody nogroup;');
    expect(renderTemplate(template, { user: undefined })).toBe('# no user');
    expect(renderTemplate(template, { user: '' })).toBe('# no user');
  });

  it('removes lines that hold only a section tag or a comment', () => {
    const template = 'a\n{{! a comment }}\n  {{#on}}\nb\n  {{/on}}\nc\n';

    expect(renderTemplate(template, { on: true })).toBe('a\nb\nc\n');
    expect(renderTemplate(template, { on: false })).toBe('a\nc\n');
  });

  it('rejects a name that no value defines', () => {
    expect(() => renderTemplate('{{missing}}', {})).toThrow(TemplateError);
    expect(() => renderTemplate('{{missing}}', {})).toThrow(
      'the template uses "missing", which no value defines',
    );
  });

  it('rejects a list where a value is inserted', () => {
    expect(() => renderTemplate('{{items}}', { items: [] })).toThrow(
      '{{items}} needs a string or a number, got a list',
    );
  });

  it('rejects unbalanced sections', () => {
    expect(() => renderTemplate('{{#a}}x', { a: true })).toThrow('section "a" is never closed');
    expect(() => renderTemplate('{{#a}}x{{/b}}', { a: true, b: true })).toThrow('unexpected {{/b}}');
    expect(() => renderTemplate('x{{/a}}', { a: true })).toThrow('unexpected {{/a}}');
  });
});
