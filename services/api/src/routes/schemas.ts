import { MAX_PASSWORD_BYTES } from '@authlab/users';

/** Body of every successful `me` and `login` response, whatever the strategy. */
export const strategyResponseSchema = {
  type: 'object',
  required: ['strategy', 'sub', 'servedBy'],
  additionalProperties: false,
  properties: {
    strategy: { type: 'string' },
    sub: { type: 'string' },
    servedBy: { type: 'string' },
  },
} as const;

/**
 * Body of a login request. Extra fields are rejected rather than ignored. A password of up to
 * MAX_PASSWORD_BYTES characters passes here; the user directory rejects one longer in bytes.
 */
export const loginBodySchema = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_BYTES },
  },
} as const;
