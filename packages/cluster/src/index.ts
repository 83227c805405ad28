export { findFreePort, isPortOpen, waitUntil } from './ports.js';
export {
  forwardLines,
  MissingBinaryError,
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from './redis-server.js';
