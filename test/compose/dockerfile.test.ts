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

  it('pins the nginx base image to a full release with resolve', () => {
    const match = /^ARG NGINX_IMAGE=nginx:(\d+)\.(\d+)\.(\d+)-alpine$/m.exec(DOCKERFILE);
    const [major, minor, patch] = (match?.slice(1) ?? []).map(Number);

    expect(match).not.toBeNull();
    // Upstream server lines take `resolve` in open-source nginx since 1.27.3.
    expect(major! * 1_000_000 + minor! * 1_000 + patch!).toBeGreaterThanOrEqual(1_027_003);
    expect(stageOf('nginx')).toMatch(/^FROM \$\{NGINX_IMAGE\} AS nginx$/m);
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

  it('copies the built dashboard and the compose config into the nginx image', () => {
    const nginx = stageOf('nginx');

    expect(stageOf('web-build')).toMatch(/^FROM workspace AS web-build$/m);
    expect(nginx).toContain('COPY --from=web-build /workspace/services/web/dist /usr/share/nginx/dashboard');
    expect(nginx).toContain('COPY deploy/compose/nginx.conf /etc/nginx/templates/nginx.conf.template');
  });

  it('lets the nginx entrypoint fill in only AUTHLAB_ variables', () => {
    const nginx = stageOf('nginx');

    expect(nginx).toMatch(/NGINX_ENVSUBST_OUTPUT_DIR=\/etc\/nginx \\$/m);
    expect(nginx).toMatch(/NGINX_ENVSUBST_FILTER=\^AUTHLAB_ \\$/m);
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
    'services/web/dist/index.html',
    'services/web/test/dashboard-config.test.ts',
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
    'deploy/compose/nginx.conf',
    'services/web/index.html',
    'services/web/src/main.ts',
    'services/web/public/config.json',
  ])('sends %s to the builder', (path) => {
    expect(rules.ignores(path)).toBe(false);
  });
});
