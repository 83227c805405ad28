export { SessionStoreUnavailableError } from './errors.js';
export { MemorySessionStore, type MemorySessionStoreOptions } from './memory-session-store.js';
export {
  createRedisClient,
  type RedisClientLogger,
  type RedisClientOptions,
  waitForRedisReady,
} from './redis-client.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './redis-session-store.js';
