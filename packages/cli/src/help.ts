import { BENCH_PROFILES, CLUSTER_DEFAULTS } from '@authlab/bench';
import { ARGUMENT_DEFAULTS, type CommandName } from './arguments.js';

const GENERAL_HELP = `Usage: authlab <command> [options]

A lab of distributed authentication: JWTs and server sessions behind an nginx load balancer.

Commands:
  up        Start the local cluster (Redis, auth service, replicas, nginx) and stream its logs
  compare   Sign in with every strategy through the balancer and show which replicas accept each
  demo      Start the local cluster, run compare once, then keep the cluster up for exploring
  bench     Measure what each strategy costs per request against a running cluster

Run authlab <command> --help for the options of a command.
`;

const CLUSTER_OPTIONS_HELP = `  --replicas N   number of replicas, api-1 to api-N, from 1 to 9 (default ${ARGUMENT_DEFAULTS.replicas})
  --port PORT    TCP port of the balancer's round-robin listener (default ${ARGUMENT_DEFAULTS.port})
  --host ADDR    loopback address (127.x.x.x) of the balancer's listener (default ${ARGUMENT_DEFAULTS.host})`;

const COMPARE_OPTIONS_HELP = `  --clients N    simulated clients per strategy, from 1 to 100 (default ${ARGUMENT_DEFAULTS.clients})
  --requests N   authenticated requests per client, from 1 to 1000 (default ${ARGUMENT_DEFAULTS.requests})`;

const COMMAND_HELP: Readonly<Record<CommandName, string>> = Object.freeze({
  up: `Usage: authlab up [--replicas ${ARGUMENT_DEFAULTS.replicas}] [--port ${ARGUMENT_DEFAULTS.port}] [--host ${ARGUMENT_DEFAULTS.host}]

Starts Redis, the auth service, the replicas and nginx as local processes, each on its own loopback
address, prints their URLs and the demo users, and streams every process's log lines prefixed with its
name. Ctrl-C (or SIGTERM) stops everything and exits with status 0; a second Ctrl-C kills what is left.
Needs nginx and redis-server, and the services built with pnpm build.

Options:
${CLUSTER_OPTIONS_HELP}
  -h, --help     show this help
`,
  compare: `Usage: authlab compare [--url ${ARGUMENT_DEFAULTS.url}] [--clients ${ARGUMENT_DEFAULTS.clients}] [--requests ${ARGUMENT_DEFAULTS.requests}] [--json]

For each strategy (jwt, session-memory, session-redis), signs in simulated clients through the balancer,
each with its own keep-alive connection and cookie jar, then sends authenticated GET /<strategy>/me
requests, one at a time, with the clients taking turns in a random order. A last row is one session-redis client without a cookie jar. Prints, per strategy, the
accepted (200), rejected (401, 403) and failed requests, which replica served them and which signed each
client in, the latency, and a verdict. Progress goes to stderr.

Options:
  --url URL      balancer origin, on a loopback address (default ${ARGUMENT_DEFAULTS.url})
${COMPARE_OPTIONS_HELP}
  --json         print one JSON document on stdout instead of the table
  -h, --help     show this help

Exit status: 0 when the run completed, whatever the verdicts; 1 when the balancer cannot be reached or a
sign-in through it fails; 2 for invalid options.
`,
  bench: `Usage: authlab bench [--url ${ARGUMENT_DEFAULTS.url}] [--quick] [--duration-seconds N] [--rounds N]
                     [--connections N] [--json] [--html FILE] [address options]

Measures what each strategy costs per request against a running cluster (start one with authlab up).
Rows: a no-authentication baseline (GET /public/me) and every strategy, through the balancer in
round-robin mode, through an ip-hash listener (session-memory needs a client kept on one replica), straight
to one replica, and against a tutorial-style express app (the peer) that the bench starts on 127.0.13.1.
Rows run interleaved over several rounds after a warm-up; each row reports requests/s, p50 and p99
latency, errors, CPU microseconds per request of the processes that served it (read from /proc), Redis
commands per request, and the ratio to the baseline of its path in the same round (median and min-max).
Then a concurrency sweep, a session-size sweep, and login throughput beside the scrypt rate.
A full run takes about ten minutes; --quick takes under a minute and is meant for CI, not for numbers.
Progress goes to stderr. Only loopback addresses are accepted.

Options:
  --url URL              balancer origin, round-robin listener (default ${ARGUMENT_DEFAULTS.url})
  --quick                short run that proves every row works
  --duration-seconds N   measured seconds per row and round in the main table, 1 to 600
                         (default ${BENCH_PROFILES.full.main.durationMs / 1000}, quick ${BENCH_PROFILES.quick.main.durationMs / 1000})
  --rounds N             rounds of the main table, 1 to 50 (default ${BENCH_PROFILES.full.main.rounds}, quick ${BENCH_PROFILES.quick.main.rounds})
  --connections N        keep-alive connections of the main table, 1 to 1000 (default ${BENCH_PROFILES.full.main.connections}, quick ${BENCH_PROFILES.quick.main.connections})
  --json                 print the whole report as one JSON document instead of the table
  --html FILE            also write a self-contained HTML report with charts to FILE
  -h, --help             show this help

Address options (defaults: the local cluster's layout):
  --replica-url URL      a replica's own origin; repeat for each replica, the first is measured directly
                         (default: every ${CLUSTER_DEFAULTS.replicaAddressPrefix}N:${CLUSTER_DEFAULTS.replicaPort} that listens)
  --auth-url URL         the auth service's origin (default ${CLUSTER_DEFAULTS.authUrl})
  --redis-url URL        the cluster's Redis (default ${CLUSTER_DEFAULTS.redisUrl})
  --ip-hash-url URL      a balancer listener in ip-hash mode; without it the bench starts its own nginx
                         from the lab's template with that one listener

Exit status: 0 when the run completed, whatever the targets; 1 when the cluster cannot be reached or a
sign-in fails; 2 for invalid options.
`,
  demo: `Usage: authlab demo [--once] [--logs] [cluster options] [compare options]

Starts the local cluster, runs compare against it once and prints the table, then keeps the cluster up
for exploring, with its URLs and a few curl commands to try, until Ctrl-C.

Options:
  --once         stop the cluster after the table instead of waiting for Ctrl-C
  --logs         stream the processes' log lines while the cluster runs (default: hidden)
${CLUSTER_OPTIONS_HELP}
${COMPARE_OPTIONS_HELP}
  -h, --help     show this help
`,
});

/** Returns the help text of `topic`, or the overview of all commands. */
export function renderHelp(topic: CommandName | undefined): string {
  return topic === undefined ? GENERAL_HELP : COMMAND_HELP[topic];
}
