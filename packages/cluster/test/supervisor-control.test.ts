import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterDriver, ClusterHandle } from '../src/index.js';
import {
  ClusterConnectionError,
  connectToCluster,
  type SupervisorControl,
  startSupervisorControl,
} from '../src/index.js';

/** Builds a cluster handle whose driver records its calls instead of stopping anything. */
function buildRecordingCluster(calls: string[]): ClusterHandle {
  const record =
    (name: string) =>
    async (...args: unknown[]) => {
      if (args[0] === 'api-9') {
        throw new TypeError('unknown replica "api-9"');
      }
      calls.push([name, ...args].join(' '));
    };
  const driver: ClusterDriver = {
    stopReplica: record('stopReplica'),
    startReplica: record('startReplica'),
    restartReplica: record('restartReplica'),
    restartReplicaWithSecrets: record('restartReplicaWithSecrets'),
    stopRedis: record('stopRedis'),
    startRedis: record('startRedis'),
    stopAuth: record('stopAuth'),
    startAuth: record('startAuth'),
  };
  return {
    mode: 'local',
    urls: {
      balancer: 'http://127.0.0.1:8080',
      auth: 'http://127.0.10.1:4000',
      replicas: [{ id: 'api-1', url: 'http://127.0.11.1:3000' }],
      redis: 'redis://127.0.12.1:6379',
    },
    replicaIds: ['api-1'],
    driver,
    redisPersistent: true,
    readLogLines: async () => [],
    stop: async () => undefined,
  };
}

/** Adds a rotateSigningKey that records its step and returns a key state, as a cluster in EdDSA mode does. */
function withKeyRotation(cluster: ClusterHandle, calls: string[]): ClusterHandle {
  return {
    ...cluster,
    driver: {
      ...cluster.driver,
      rotateSigningKey: async (step) => {
        calls.push(`rotateSigningKey ${step}`);
        return { activeKid: 'key-1', publishedKids: ['key-1', 'key-2'] };
      },
    },
  };
}

function postWithoutToken(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}/driver/stopRedis`, { method: 'POST' }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('supervisor control', () => {
  let folder: string;
  let calls: string[];
  let control: SupervisorControl;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'authlab-control-'));
    calls = [];
    control = await startSupervisorControl(buildRecordingCluster(calls), {
      stateFile: join(folder, 'cluster.json'),
    });
  });

  afterEach(async () => {
    await control.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('announces the cluster in a file only its owner reads', async () => {
    const state = JSON.parse(await readFile(control.stateFile, 'utf8')) as Record<string, unknown>;

    expect(state).toMatchObject({ formatVersion: 1, pid: process.pid, mode: 'local', redisPersistent: true });
    expect(state.controlUrl).toBe(control.url);
    expect((await stat(control.stateFile)).mode & 0o077).toBe(0);
  });

  it('runs driver operations sent by a connected client', async () => {
    const cluster = connectToCluster({ stateFile: control.stateFile });

    await cluster.driver.restartReplica('api-1');
    await cluster.driver.restartReplicaWithSecrets?.('api-1', 'mismatched');
    await cluster.driver.stopRedis();

    expect(calls).toEqual([
      'restartReplica api-1',
      'restartReplicaWithSecrets api-1 mismatched',
      'stopRedis',
    ]);
    expect(cluster.urls.replicas).toEqual([{ id: 'api-1', url: 'http://127.0.11.1:3000' }]);
  });

  it('reports a failed operation with its message', async () => {
    const cluster = connectToCluster({ stateFile: control.stateFile });

    await expect(cluster.driver.stopReplica('api-9')).rejects.toThrow(
      'the cluster\'s stopReplica failed with 400: unknown replica "api-9"',
    );
  });

  it('rejects a request without the token', async () => {
    expect(await postWithoutToken(control.url)).toBe(401);
    expect(calls).toEqual([]);
  });

  it('removes the state file when it stops', async () => {
    await control.stop();

    expect(() => connectToCluster({ stateFile: control.stateFile })).toThrow(ClusterConnectionError);
    control = await startSupervisorControl(buildRecordingCluster(calls), {
      stateFile: join(folder, 'cluster.json'),
    });
  });

  it('keeps the state file of another running process', async () => {
    const other = join(folder, 'other.json');
    const foreign = `${JSON.stringify({ formatVersion: 1, pid: process.ppid, controlUrl: 'http://127.0.0.1:1' })}\n`;
    await writeFile(other, foreign);

    await expect(startSupervisorControl(buildRecordingCluster(calls), { stateFile: other })).rejects.toThrow(
      `belongs to another authlab up (process ${process.ppid})`,
    );
    expect(await readFile(other, 'utf8')).toBe(foreign);
  });

  it('replaces the state file of a process that is gone', async () => {
    const stale = join(folder, 'stale.json');
    // Above Linux's largest process id (2^22), so no process has it.
    await writeFile(
      stale,
      JSON.stringify({ formatVersion: 1, pid: 4_194_305, controlUrl: 'http://127.0.0.1:1' }),
    );

    const second = await startSupervisorControl(buildRecordingCluster(calls), { stateFile: stale });
    try {
      expect(JSON.parse(await readFile(stale, 'utf8')).pid).toBe(process.pid);
    } finally {
      await second.stop();
    }
  });

  it('leaves a state file that another process took over', async () => {
    const takenOver = `${JSON.stringify({ formatVersion: 1, pid: process.ppid, controlUrl: 'http://127.0.0.1:1' })}\n`;
    await writeFile(control.stateFile, takenOver);

    await control.stop();

    expect(await readFile(control.stateFile, 'utf8')).toBe(takenOver);
    await rm(control.stateFile);
    control = await startSupervisorControl(buildRecordingCluster(calls), {
      stateFile: join(folder, 'cluster.json'),
    });
  });

  it('connects an HS256 cluster without key rotation', () => {
    const cluster = connectToCluster({ stateFile: control.stateFile });

    expect(cluster.jwtAlgorithm).toBe('HS256');
    expect(cluster.driver.rotateSigningKey).toBeUndefined();
  });

  it('returns the key state of a rotation step', async () => {
    await control.stop();
    control = await startSupervisorControl(withKeyRotation(buildRecordingCluster(calls), calls), {
      stateFile: join(folder, 'cluster.json'),
      jwksMaxAgeSeconds: 2,
    });
    const cluster = connectToCluster({ stateFile: control.stateFile });

    const keys = await cluster.driver.rotateSigningKey?.('publish-next');

    expect(cluster.jwtAlgorithm).toBe('EdDSA');
    expect(cluster.jwksMaxAgeSeconds).toBe(2);
    expect(keys).toEqual({ activeKid: 'key-1', publishedKids: ['key-1', 'key-2'] });
    expect(calls).toEqual(['rotateSigningKey publish-next']);
  });

  it('rejects an unknown rotation step', async () => {
    await control.stop();
    control = await startSupervisorControl(withKeyRotation(buildRecordingCluster(calls), calls), {
      stateFile: join(folder, 'cluster.json'),
    });
    const cluster = connectToCluster({ stateFile: control.stateFile });

    await expect(cluster.driver.rotateSigningKey?.('publish-all' as 'publish-next')).rejects.toThrow(
      'the cluster\'s rotateSigningKey failed with 400: step must be one of publish-next, activate-next, withdraw-previous, got "publish-all"',
    );
    expect(calls).toEqual([]);
  });
});
