export type { BenchPath, BenchRow, PrepareContext, PreparedLoad } from './bench-row.js';
export { RowUnavailableError } from './bench-row.js';
export {
  type BenchCounter,
  type BenchProgress,
  type BenchRunOptions,
  type BenchRunResult,
  type RoundMeasurement,
  type RowSummary,
  runBench,
} from './bench-runner.js';
export {
  BENCH_PROFILES,
  type BenchProfile,
  CLUSTER_DEFAULTS,
  type ClusterBenchOptions,
  findDefaultReplicaUrls,
  runClusterBench,
} from './cluster-bench.js';
export { type HistogramSnapshot, LatencyHistogram } from './histogram.js';
export { type IpHashBalancer, type IpHashBalancerOptions, startIpHashBalancer } from './ip-hash-balancer.js';
export { type KdfRate, type KdfRateOptions, measureKdfRate } from './kdf-rate.js';
export {
  type BenchReport,
  type LabBenchPlan,
  type LabBenchProgress,
  type LoginResult,
  type PhaseSettings,
  runLabBench,
  type SweepResult,
} from './lab-bench.js';
export { type BenchCredentials, buildEndpointRows, type CpuGroups, type LabEndpoint } from './lab-rows.js';
export { findListeningProcessIds, isListening } from './listening-processes.js';
export {
  type LatencySummary,
  LOAD_DEFAULTS,
  LOAD_LIMITS,
  type LoadOptions,
  type LoadRequest,
  type LoadResult,
} from './load-options.js';
export { type LoopbackTarget, NonLoopbackTargetError, parseLoopbackTarget } from './loopback.js';
export { describeMachine, type MachineDescription } from './machine.js';
export { type PeerApp, type PeerOptions, startPeer } from './peer.js';
export { type CpuSample, cpuMicrosPerRequest, readProcessCpuMicros, sampleCpu } from './process-cpu.js';
export { buildRedisCommandCounter, type RedisCommandCounter } from './redis-counter.js';
export { renderHtmlReport } from './report/html.js';
export { renderRunTable, renderSweepTable, renderTerminalReport } from './report/terminal.js';
export { runLoad } from './run-load.js';
export { type Spread, summarise } from './statistics.js';
export {
  evaluateTargets,
  LOGIN_TO_KDF_TARGET,
  PEER_THROUGHPUT_FACTOR,
  RATIO_TARGETS,
  type TargetVerdict,
} from './targets.js';
