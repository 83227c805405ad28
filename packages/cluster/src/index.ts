export { type ClusterBinaries, findClusterBinaries, findExecutable, INSTALL_HINT } from './binaries.js';
export type {
  ClusterDriver,
  ClusterHandle,
  ClusterMode,
  ClusterUrls,
  ReplicaEndpoint,
} from './cluster-handle.js';
export { buildComposeDriver, type ComposeDriverOptions } from './compose-driver.js';
export { probeHttpStatus } from './http-probe.js';
export { ClusterStartError, type LocalClusterOptions, startLocalCluster } from './local-cluster.js';
export { formatLogLine, type LogRecord } from './log-format.js';
export {
  describeExit,
  type ManagedProcess,
  type ManagedProcessOptions,
  type ProcessExit,
  startManagedProcess,
} from './managed-process.js';
export { type NginxServer, type NginxServerOptions, startNginxServer } from './nginx-server.js';
export { findFreePort, isPortOpen, waitUntil } from './ports.js';
export {
  forwardLines,
  MissingBinaryError,
  type RedisServer,
  type RedisServerOptions,
  startRedisServer,
} from './redis-server.js';
export { ClusterSigningKeys, type KeyRotationStep, type SigningKeyState } from './signing-keys.js';
export {
  ClusterConnectionError,
  type ClusterState,
  type ConnectedCluster,
  connectToCluster,
  defaultStateFilePath,
  type SupervisorControl,
  startSupervisorControl,
} from './supervisor-control.js';
