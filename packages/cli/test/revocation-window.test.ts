import { describe, expect, it } from 'vitest';
import { renderRevocationWindows } from '../src/revocation-window.js';

describe('renderRevocationWindows', () => {
  it('prints one line per strategy', () => {
    const text = renderRevocationWindows(
      [
        { strategy: 'jwt', outcome: 'measured', windowMs: 12, acceptingReplicas: [], note: 'closed' },
        {
          strategy: 'cookie-session',
          outcome: 'open',
          acceptingReplicas: ['api-1', 'api-2'],
          note: 'a copied cookie stays valid until it expires',
        },
        { strategy: 'basic', outcome: 'no-logout', acceptingReplicas: [], note: 'no logout' },
      ],
      1_000,
    );

    expect(text.split('\n')).toEqual([
      '',
      'revocation window: time from logout until every replica rejects the credential',
      '  jwt             12 ms',
      '  cookie-session  open after 1000 ms (still accepted by api-1, api-2): a copied cookie stays valid until it expires',
      '  basic           no logout',
      '',
    ]);
  });

  it('prints nothing without windows', () => {
    expect(renderRevocationWindows([])).toBe('');
  });
});
