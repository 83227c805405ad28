import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// CommonJS with `module.exports = factory` and `factory.default = factory`: under NodeNext TypeScript
// types the default import as the module object, so the factory is called as `dockerignore.default`.
import dockerignore from '@balena/dockerignore';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../support/compose-cluster.js';

const DOCKERFILE = readFileSync(join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8');
const RUNTIME_TARGETS = ['auth', 'api', 'cli', 'secrets-init'];

/** Returns the instructions of one stage, from its FROM line to the next FROM line. */
function stageOf(name: string): string {
  const start = DOCKERFILE.search(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
  expect(start, `stage ${name}`).toBeGreaterThanOrEqual(0);
  const next = DOCKERFILE.slice(start + 1).search(/^FROM /m);
  return next < 0 ? DOCKERFILE.slice(start) : DOCKERFILE.slice(start, start + 1 + next);
}

describe('Dockerfile', () => {
  it('pins the Node.js base image to a full release of a slim Debian variant', () => {
    expect(DOCKERFILE).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-trixie-slim$/m);
  });

  it('pins pnpm to a full release', () => {
    expect(DOCKERFILE).toMatch(/^ARG PNPM_VERSION=10\.\d+\.\d+$/m);
  });

  it('builds the runtime images on the runtime stage', () => {
    for (const target of RUNTIME_TARGETS) {
      expect(stageOf(target), target).toMatch(new RegExp(`^FROM runtime AS ${target}$`, 'm'));
    }
  });

  it('runs the runtime images as the unprivileged node user', () => {
    const runtime = stageOf('runtime');

    expect(runtime).toMatch(/^USER node$/m);
    for (const target of RUNTIME_TARGETS) {
      expect(stageOf(target), target).not.toMatch(/^USER /m);
    }
  });

  it('starts Node.js under tini so that signals reach it', () => {
    expect(stageOf('runtime')).toContain('apt-get install --yes --no-install-recommends tini');
    expect(stageOf('runtime')).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(stageOf('cli')).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/bin.js"]');
  });

  it('copies only the deployed folder into a service image', () => {
    expect(stageOf('auth')).toContain('COPY --from=auth-build /deployed /app');
    expect(stageOf('api')).toContain('COPY --from=api-build /deployed /app');
    expect(stageOf('cli')).toContain('COPY --from=cli-build /deployed /app');
  });
});

describe('.dockerignore', () => {
  const rules = dockerignore.default().add(readFileSync(join(REPOSITORY_ROOT, '.dockerignore'), 'utf8'));

  it.each([
    '.env',
    '.env.local',
    '.authlab/secrets/jwt-secret',
    '.git/config',
    'node_modules/fastify/package.json',
    'services/auth/node_modules/fastify/package.json',
    'services/auth/dist/server.js',
    'packages/config/dist/.tsbuildinfo',
    'services/auth/test/login.test.ts',
    'test/e2e/strategies-across-replicas.test.ts',
    'docs/compose.md',
  ])('leaves %s out of the build context', (path) => {
    expect(rules.ignores(path)).toBe(true);
  });

  it.each([
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    'tsconfig.base.json',
    'services/auth/package.json',
    'services/auth/src/server.ts',
    'packages/config/src/index.ts',
    'deploy/compose/build-service.sh',
    'deploy/compose/init-secrets.mjs',
  ])('sends %s to the builder', (path) => {
    expect(rules.ignores(path)).toBe(false);
  });
});
