import type { ClusterHandle } from '@authlab/cluster';
import { DEMO_CREDENTIALS } from '@authlab/users';

/** Lists the URLs of a running cluster and the demo users, as printed by `up` and `demo`. */
export function describeRunningCluster(cluster: ClusterHandle): string {
  const rows: [string, string][] = [
    ...Object.entries(cluster.urls.balancers ?? { 'round-robin': cluster.urls.balancer }).map(
      ([mode, url]): [string, string] => [`balancer (${mode})`, url],
    ),
    ['auth service', cluster.urls.auth],
    ...cluster.urls.replicas.map((replica): [string, string] => [replica.id, replica.url]),
    ['redis', cluster.urls.redis],
    ...(cluster.urls.dashboard ? [['dashboard', cluster.urls.dashboard] as [string, string]] : []),
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const users = DEMO_CREDENTIALS.map((user) => `${user.username} / ${user.password}`).join(', ');

  return [
    `The ${cluster.mode} cluster is up:`,
    ...rows.map(([name, url]) => `  ${name.padEnd(width)}  ${url}`),
    `Demo users (username / password): ${users}`,
    '',
  ].join('\n');
}

/** Builds a few curl commands that sign in through the balancer and call each strategy's `me` route. */
export function describeCurlExamples(balancer: string): string {
  const user = DEMO_CREDENTIALS[0]!;
  const body = JSON.stringify({ username: user.username, password: user.password });
  return [
    'Try it with curl:',
    `  TOKEN=$(curl -s -X POST ${balancer}/auth/login -H 'content-type: application/json' -d '${body}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).access_token')`,
    `  curl -i ${balancer}/jwt/me -H "authorization: Bearer $TOKEN"`,
    `  curl -s -c redis-jar.txt -X POST ${balancer}/session-redis/login -H 'content-type: application/json' -d '${body}'`,
    `  curl -i -b redis-jar.txt ${balancer}/session-redis/me`,
    `  curl -s -c memory-jar.txt -X POST ${balancer}/session-memory/login -H 'content-type: application/json' -d '${body}'`,
    `  curl -i -b memory-jar.txt ${balancer}/session-memory/me    # run it a few times and watch X-Served-By`,
    '',
  ].join('\n');
}
