export {
  AccessTokenDenylist,
  type AccessTokenDenylistOptions,
  DenylistUnavailableError,
} from './denylist.js';
