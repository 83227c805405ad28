import type { BalancerMode } from '@authlab/balancer';
import type { KeyRotationStep, SigningKeyState } from './signing-keys.js';

/** The way a cluster runs: processes on loopback, or containers of docker compose. */
export type ClusterMode = 'local' | 'compose';

/** A replica's id (`api-1`) and its own URL, which bypasses the balancer. */
export interface ReplicaEndpoint {
  readonly id: string;
  readonly url: string;
}

/** Every address a client or a test needs to reach the parts of a cluster. */
export interface ClusterUrls {
  /** The `round-robin` listener of nginx, for example `http://127.0.0.1:8080`. */
  readonly balancer: string;
  /**
   * Every listener of nginx by balancer mode, for example `ip-hash: http://127.0.0.1:8081`. A cluster that
   * lists none serves `round-robin` only, on `balancer`.
   */
  readonly balancers?: Readonly<Partial<Record<BalancerMode, string>>>;
  /** The auth service itself, bypassing nginx. */
  readonly auth: string;
  readonly replicas: readonly ReplicaEndpoint[];
  /** `redis://host:port`. */
  readonly redis: string;
  /** The browser dashboard on its own origin, for example `http://127.0.0.1:8088`, when the cluster serves it. */
  readonly dashboard?: string;
}

/**
 * Fault injection for drills. Each method resolves once the change has taken effect: a stopped part no
 * longer accepts connections, a started part answers its readiness check. A compose cluster implements the
 * same methods with `docker compose stop` and `start`.
 */
export interface ClusterDriver {
  stopReplica(id: string): Promise<void>;
  startReplica(id: string): Promise<void>;
  restartReplica(id: string): Promise<void>;
  /** Stops Redis. Nothing is persisted, so the sessions it stored are gone for good. */
  stopRedis(): Promise<void>;
  /** Starts an empty Redis on the same address; the replicas reconnect on their own. */
  startRedis(): Promise<void>;
  stopAuth(): Promise<void>;
  startAuth(): Promise<void>;
  /**
   * Restarts one replica with secrets of its own (`mismatched`: a JWT secret and a session secret that no
   * other part shares) or with the cluster's shared secrets again (`shared`). Absent where the cluster
   * cannot change one replica's secrets.
   */
  restartReplicaWithSecrets?(id: string, secrets: 'shared' | 'mismatched'): Promise<void>;
  /**
   * Applies one step of an Ed25519 key rotation and restarts the auth service: publish the next key,
   * make it sign, or withdraw the previous ones. Present only in a cluster that runs in EdDSA mode.
   */
  rotateSigningKey?(step: KeyRotationStep): Promise<SigningKeyState>;
}

/** A running cluster, whatever started it. Tests and the CLI depend on this interface only. */
export interface ClusterHandle {
  readonly mode: ClusterMode;
  readonly urls: ClusterUrls;
  readonly replicaIds: readonly string[];
  readonly driver: ClusterDriver;
  /** Whether Redis keeps its data on disk, so that a restart keeps the sessions. Unknown when absent. */
  readonly redisPersistent?: boolean;
  /**
   * Returns the lines `source` (`nginx`, `redis`, `auth`, `api-1` ...) has printed since the cluster started,
   * oldest first, up to the most recent 5,000.
   */
  readLogLines(source: string): Promise<readonly string[]>;
  /** Stops every part and removes what the cluster wrote; calling it again waits for the same stop. */
  stop(): Promise<void>;
}
