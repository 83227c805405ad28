import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { DCLinter } from 'dclint';
import { describe, expect, it } from 'vitest';
import { BALANCER_MODES, DEFAULT_BALANCER_PORTS } from '../../packages/balancer/src/index.js';
import { buildMismatchedSecretsOverride, REPOSITORY_ROOT } from '../support/compose-cluster.js';
import { REDIS_IMAGE } from '../support/redis.js';
import {
  type ComposeService,
  interpolate,
  mergeComposeFiles,
  readComposeFile,
  readDefaultLab,
  serviceNames,
  serviceOf,
} from './compose-model.js';

const COMPOSE_FILES = [
  'docker-compose.yml',
  'deploy/compose/published-ports.yml',
  'deploy/compose/replica-secret-mismatch.yml',
];
const REPLICAS = ['api-1', 'api-2', 'api-3'];
const SECRETS_MOUNT = '/run/secrets/authlab';

/**
 * Compiles the Compose Specification schema that the dclint package ships (a copy of
 * compose-spec/compose-go's schema). The file declares draft-07 under an https URL that Ajv does not know
 * by that name, so the declaration is dropped and Ajv's own draft-07 meta-schema applies.
 */
function compileComposeSchema() {
  const schemaPath = join(REPOSITORY_ROOT, 'node_modules/dclint/schemas/compose.schema.json');
  const { $schema: _declaredDraft, ...schema } = JSON.parse(readFileSync(schemaPath, 'utf8'));
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  return ajv.compile(schema);
}

function environmentOf(service: ComposeService): Readonly<Record<string, string>> {
  return service.environment ?? {};
}

/** Returns the one address a service has on the lab network, when the file fixes it. */
function fixedAddressOf(service: ComposeService): string | undefined {
  const networks = service.networks;
  if (!networks || Array.isArray(networks)) {
    return undefined;
  }
  return (networks as Record<string, { ipv4_address?: string } | null>).lab?.ipv4_address;
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((total, octet) => total * 256 + Number(octet), 0);
}

function isInCidr(address: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = ipv4ToNumber(base);
  const value = ipv4ToNumber(address);
  return value >= start && value < start + size;
}

describe('compose files', () => {
  const validate = compileComposeSchema();

  it.each(COMPOSE_FILES)('%s matches the Compose Specification schema', (file) => {
    const valid = validate(readComposeFile(file));

    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('mismatched secrets override matches the schema', async () => {
    const valid = validate(await buildMismatchedSecretsOverride('api-1'));

    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('schema check rejects a misspelled key', () => {
    const document = readComposeFile('docker-compose.yml');
    (document.services as Record<string, Record<string, unknown>>).auth!.helthcheck = {};

    expect(validate(document)).toBe(false);
    expect(validate.errors?.[0]?.params).toEqual({ additionalProperty: 'helthcheck' });
  });

  it.each(COMPOSE_FILES)('%s passes the dclint correctness rules', (file) => {
    // Style rules (key order, alphabetical services) are off: the file lists services in start-up order.
    // no-build-and-image is off because each built image gets a local tag, so the three replicas share
    // one image and `docker image ls authlab-api` finds it.
    const linter = new DCLinter({
      rules: {
        'no-build-and-image': 0,
        'no-duplicate-container-names': 2,
        'no-duplicate-exported-ports': 2,
        'no-quotes-in-volumes': 2,
        'no-unbound-port-interfaces': 2,
        'no-version-field': 2,
        'require-project-name-field': file === 'docker-compose.yml' ? 2 : 0,
        'require-quotes-in-ports': [2, { quoteType: 'double' }],
        'service-container-name-regex': 2,
        'service-dependencies-alphabetical-order': 0,
        'service-image-require-explicit-tag': 2,
        'service-keys-order': 0,
        'service-ports-alphabetical-order': 0,
        'services-alphabetical-order': 0,
        'top-level-properties-order': 0,
      },
      quiet: true,
      debug: false,
      exclude: [],
    });

    // dclint's type declarations import without file extensions, which NodeNext cannot follow.
    const [result]: { messages: { rule: string; message: string }[] }[] = linter.lintFiles(
      [join(REPOSITORY_ROOT, file)],
      false,
    );

    expect(result?.messages.map((message) => `${message.rule}: ${message.message}`)).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  const lab = readDefaultLab();
  const withPorts = interpolate(
    mergeComposeFiles(
      readComposeFile('docker-compose.yml'),
      readComposeFile('deploy/compose/published-ports.yml'),
    ),
    {},
  );

  it('starts the same parts as the local cluster', () => {
    expect(serviceNames(lab)).toEqual(['secrets-init', 'redis', 'auth', ...REPLICAS, 'nginx', 'cli']);
  });

  it('pins every image it pulls to a full version', () => {
    for (const name of serviceNames(lab)) {
      const service = serviceOf(lab, name);
      if (service.build) {
        expect(service.image, name).toMatch(/^authlab-[a-z-]+:local$/);
        continue;
      }
      expect(service.image, name).toMatch(/^[a-z]+:\d+\.\d+\.\d+-alpine$/);
    }
  });

  it('uses the Redis image of the test helper', () => {
    expect(serviceOf(lab, 'redis').image).toBe(REDIS_IMAGE);
  });

  it('runs Redis without persistence', () => {
    expect(serviceOf(lab, 'redis').command).toEqual(['redis-server', '--save', '', '--appendonly', 'no']);
  });

  it('publishes each balancer mode and the dashboard on the local cluster port', () => {
    const expected = BALANCER_MODES.map((mode) => {
      const port = DEFAULT_BALANCER_PORTS[mode];
      return `127.0.0.1:${port}:${port}`;
    });

    expect(serviceOf(lab, 'nginx').ports).toEqual([...expected, '127.0.0.1:8088:8088']);
    expect(expected[0]).toBe('127.0.0.1:8080:8080');
  });

  it('tells nginx the host port of each balancer listener', () => {
    const moved = interpolate(readComposeFile('docker-compose.yml'), {
      AUTHLAB_BALANCER_PORT: '18080',
      AUTHLAB_IP_HASH_PORT: '18081',
      AUTHLAB_COOKIE_HASH_PORT: '18082',
      AUTHLAB_STICKY_ROUTE_PORT: '18083',
    });
    const nginx = serviceOf(moved, 'nginx');
    const environment = environmentOf(nginx);

    // The dashboard's config.json must name the ports the browser can reach: the published ones.
    for (const [index, variable] of [
      'AUTHLAB_BALANCER_PORT',
      'AUTHLAB_IP_HASH_PORT',
      'AUTHLAB_COOKIE_HASH_PORT',
      'AUTHLAB_STICKY_ROUTE_PORT',
    ].entries()) {
      const [, hostPort] = nginx.ports![index]!.split(':');
      expect(environment[variable], variable).toBe(hostPort);
    }
  });

  it('allows the dashboard origin in the auth service and the replicas', () => {
    const expected = 'http://127.0.0.1:8088,http://localhost:8088';

    expect(environmentOf(serviceOf(lab, 'auth')).AUTH_CORS_ORIGINS).toBe(expected);
    for (const name of REPLICAS) {
      expect(environmentOf(serviceOf(lab, name)).API_CORS_ORIGINS, name).toBe(expected);
    }
  });

  it('moves the dashboard origin with AUTHLAB_DASHBOARD_PORT', () => {
    const moved = interpolate(readComposeFile('docker-compose.yml'), { AUTHLAB_DASHBOARD_PORT: '18088' });
    const expected = 'http://127.0.0.1:18088,http://localhost:18088';

    expect(serviceOf(moved, 'nginx').ports).toContain('127.0.0.1:18088:8088');
    expect(environmentOf(serviceOf(moved, 'auth')).AUTH_CORS_ORIGINS).toBe(expected);
    expect(environmentOf(serviceOf(moved, 'api-2')).API_CORS_ORIGINS).toBe(expected);
  });

  it('serves the dashboard from the nginx image', () => {
    const nginx = serviceOf(lab, 'nginx');

    expect(nginx.build).toEqual({ context: '.', target: 'nginx' });
    // The config and the dashboard are in the image, so nothing from the host is mounted.
    expect(nginx.volumes).toBeUndefined();
  });

  it('publishes ports on 127.0.0.1 only', () => {
    for (const name of serviceNames(withPorts)) {
      for (const port of serviceOf(withPorts, name).ports ?? []) {
        expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      }
    }
  });

  it('publishes every part with published-ports.yml', () => {
    expect(serviceOf(withPorts, 'auth').ports).toEqual(['127.0.0.1:4000:4000']);
    expect(serviceOf(withPorts, 'api-1').ports).toEqual(['127.0.0.1:3001:3000']);
    expect(serviceOf(withPorts, 'api-2').ports).toEqual(['127.0.0.1:3002:3000']);
    expect(serviceOf(withPorts, 'api-3').ports).toEqual(['127.0.0.1:3003:3000']);
    expect(serviceOf(withPorts, 'redis').ports).toEqual(['127.0.0.1:6379:6379']);
  });

  it('checks the health of every service that another one waits for', () => {
    for (const name of serviceNames(lab)) {
      for (const [dependency, { condition }] of Object.entries(serviceOf(lab, name).depends_on ?? {})) {
        const target = serviceOf(lab, dependency);
        if (condition === 'service_healthy') {
          expect(target.healthcheck?.test, `${name} waits for ${dependency}`).toBeDefined();
        } else {
          expect(condition, `${name} waits for ${dependency}`).toBe('service_completed_successfully');
          expect(target.restart, dependency).toBe('no');
        }
      }
    }
  });

  it('lets up --wait accept the exit of secrets-init', () => {
    // `docker compose up --wait` fails on a container that exits, even with status 0, unless a running
    // service waits for it with service_completed_successfully.
    const adopters = serviceNames(lab).filter(
      (name) =>
        serviceOf(lab, name).depends_on?.['secrets-init']?.condition === 'service_completed_successfully',
    );

    expect(serviceOf(lab, 'secrets-init').restart).toBe('no');
    expect(adopters).toEqual(['auth', ...REPLICAS]);
  });

  it('checks the built services with Node.js, since the images have no curl', () => {
    for (const name of ['auth', ...REPLICAS]) {
      expect(serviceOf(lab, name).healthcheck?.test.slice(0, 3), name).toEqual(['CMD', 'node', '--eval']);
    }
  });

  it('restarts every long-running service', () => {
    for (const name of ['redis', 'auth', ...REPLICAS, 'nginx']) {
      expect(serviceOf(lab, name).restart, name).toBe('unless-stopped');
    }
  });

  it('defines the replicas once, differing only in REPLICA_ID', () => {
    const [first, ...others] = REPLICAS.map((name) => serviceOf(lab, name));
    const withoutId = (service: ComposeService) => {
      const { REPLICA_ID: _id, ...environment } = environmentOf(service);
      return { ...service, environment };
    };

    for (const other of others) {
      expect(withoutId(other!)).toEqual(withoutId(first!));
    }
    for (const name of REPLICAS) {
      expect(environmentOf(serviceOf(lab, name)).REPLICA_ID).toBe(name);
    }
  });

  it('keeps nginx running when a replica restarts', () => {
    // `restart: true` on a dependency makes `docker compose restart api-2` restart nginx too, which would
    // hide a balancer that cannot find the replica's new address.
    for (const [dependency, settings] of Object.entries(serviceOf(lab, 'nginx').depends_on ?? {})) {
      expect(settings.restart, dependency).toBeUndefined();
    }
  });

  it('trusts only the nginx container as a proxy', () => {
    const nginxAddress = fixedAddressOf(serviceOf(lab, 'nginx'));
    const ipam = (lab.networks as { lab: { ipam: { config: { subnet: string; ip_range: string }[] } } }).lab
      .ipam;
    const { subnet, ip_range: dynamicRange } = ipam.config[0]!;

    expect(nginxAddress).toBe('10.213.88.10');
    expect(isInCidr(nginxAddress!, subnet)).toBe(true);
    // Docker gives the other containers addresses from ip_range only, so none can take nginx's address.
    expect(isInCidr(nginxAddress!, dynamicRange)).toBe(false);
    expect(environmentOf(serviceOf(lab, 'auth')).AUTH_TRUST_PROXY).toBe(nginxAddress);
    for (const name of REPLICAS) {
      expect(environmentOf(serviceOf(lab, name)).API_TRUST_PROXY, name).toBe(nginxAddress);
    }
  });

  it('moves the whole network with AUTHLAB_SUBNET_PREFIX', () => {
    const moved = interpolate(readComposeFile('docker-compose.yml'), { AUTHLAB_SUBNET_PREFIX: '10.213.99' });

    expect(fixedAddressOf(serviceOf(moved, 'nginx'))).toBe('10.213.99.10');
    expect(environmentOf(serviceOf(moved, 'api-2')).API_TRUST_PROXY).toBe('10.213.99.10');
  });

  it('reads every secret from a file that secrets-init writes', () => {
    const written = environmentOf(serviceOf(lab, 'secrets-init')).AUTHLAB_SECRET_FILES!.split(' ');

    for (const name of ['auth', ...REPLICAS]) {
      const service = serviceOf(lab, name);
      const secretFiles = Object.entries(environmentOf(service)).filter(([variable]) =>
        variable.endsWith('_SECRET_FILE'),
      );

      expect(secretFiles.length, name).toBeGreaterThan(0);
      expect(service.volumes, name).toContain(`secrets:${SECRETS_MOUNT}:ro`);
      for (const [variable, path] of secretFiles) {
        expect(path, `${name} ${variable}`).toMatch(new RegExp(`^${SECRETS_MOUNT}/[a-z0-9-]+$`));
        expect(written, `${name} ${variable}`).toContain(path.slice(SECRETS_MOUNT.length + 1));
      }
    }
  });

  it('gives every secret a user override', () => {
    const environment = environmentOf(serviceOf(lab, 'secrets-init'));

    for (const file of environment.AUTHLAB_SECRET_FILES!.split(' ')) {
      const variable = `AUTHLAB_${file.toUpperCase().replaceAll('-', '_')}`;
      expect(Object.keys(environment), file).toContain(variable);
    }
  });

  it('passes a user secret from .env to secrets-init', () => {
    const configured = interpolate(readComposeFile('docker-compose.yml'), {
      AUTHLAB_JWT_SECRET: 'from-dot-env',
    });

    expect(environmentOf(serviceOf(configured, 'secrets-init')).AUTHLAB_JWT_SECRET).toBe('from-dot-env');
  });

  it('runs the cli only in the cli profile', () => {
    const cli = serviceOf(lab, 'cli');

    expect(cli.profiles).toEqual(['cli']);
    expect(cli.command).toEqual(['compare']);
    // The CLI accepts loopback URLs only, so it shares nginx's network namespace.
    expect(cli.network_mode).toBe('service:nginx');
    for (const name of serviceNames(lab).filter((candidate) => candidate !== 'cli')) {
      expect(serviceOf(lab, name).profiles, name).toBeUndefined();
    }
  });

  it('builds every image from a target of the Dockerfile', () => {
    const dockerfile = readFileSync(join(REPOSITORY_ROOT, 'Dockerfile'), 'utf8');

    for (const name of serviceNames(lab)) {
      const build = serviceOf(lab, name).build;
      if (!build) {
        continue;
      }
      expect(build.context, name).toBe('.');
      expect(dockerfile, name).toMatch(new RegExp(`^FROM \\S+ AS ${build.target}$`, 'm'));
    }
  });
});

describe('replica-secret-mismatch.yml', () => {
  const drill = interpolate(
    mergeComposeFiles(
      readComposeFile('docker-compose.yml'),
      readComposeFile('deploy/compose/replica-secret-mismatch.yml'),
    ),
    {},
  );

  it('gives api-3 its own secret files', () => {
    const api3 = environmentOf(serviceOf(drill, 'api-3'));

    expect(api3.API_JWT_SECRET_FILE).toBe(`${SECRETS_MOUNT}/api-3-jwt-secret`);
    expect(api3.API_SESSION_SECRET_FILE).toBe(`${SECRETS_MOUNT}/api-3-session-secret`);
    expect(api3.API_COOKIE_SESSION_KEYS_FILE).toBe(`${SECRETS_MOUNT}/api-3-cookie-session-keys`);
    expect(api3.REPLICA_ID).toBe('api-3');
  });

  it('leaves the other replicas on the shared secrets', () => {
    for (const name of ['api-1', 'api-2']) {
      expect(environmentOf(serviceOf(drill, name)).API_JWT_SECRET_FILE, name).toBe(
        `${SECRETS_MOUNT}/jwt-secret`,
      );
    }
    expect(environmentOf(serviceOf(drill, 'auth')).AUTH_JWT_SECRET_FILE).toBe(`${SECRETS_MOUNT}/jwt-secret`);
  });

  it('relies on files that the lab already writes', () => {
    // The drill recreates api-3 alone (`up --no-deps api-3`), so secrets-init must have written api-3's
    // files when the lab started, without the override.
    const files = environmentOf(serviceOf(readDefaultLab(), 'secrets-init')).AUTHLAB_SECRET_FILES!.split(' ');

    expect(serviceOf(drill, 'secrets-init')).toEqual(serviceOf(readDefaultLab(), 'secrets-init'));
    expect(files).toEqual([
      'jwt-secret',
      'session-secret',
      'cookie-session-keys',
      'api-3-jwt-secret',
      'api-3-session-secret',
      'api-3-cookie-session-keys',
    ]);
  });
});
