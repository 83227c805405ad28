import { BENCH_PROFILES, CLUSTER_DEFAULTS } from '@authlab/bench';
import { ARGUMENT_DEFAULTS, type CommandName } from './arguments.js';
import { DRILL_NAMES } from './drills.js';
import { MATRIX_DEFAULTS } from './matrix-arguments.js';

const GENERAL_HELP = `Usage: authlab <command> [options]

A lab of distributed authentication: JWTs and server sessions behind an nginx load balancer.

Commands:
  up        Start the local cluster (Redis, auth service, replicas, nginx) and stream its logs
  compare   Sign in with every strategy through every balancer mode and show which replicas accept each
  drill     Inject one fault into a running cluster and count what each strategy loses
  demo      Start the local cluster, run compare once, then keep the cluster up for exploring
  bench     Measure what each strategy costs per request against a running cluster

Run authlab <command> --help for the options of a command.
`;

const CLUSTER_OPTIONS_HELP = `  --replicas N   number of replicas, api-1 to api-N, from 1 to 9 (default ${ARGUMENT_DEFAULTS.replicas})
  --port PORT    TCP port of the balancer's round-robin listener (default ${ARGUMENT_DEFAULTS.port})
  --ip-hash-port PORT, --cookie-hash-port PORT, --sticky-route-port PORT
                 TCP ports of the other balancer modes' listeners (defaults ${ARGUMENT_DEFAULTS.ipHashPort}, ${ARGUMENT_DEFAULTS.cookieHashPort}, ${ARGUMENT_DEFAULTS.stickyRoutePort})
  --host ADDR    loopback address (127.x.x.x) of the balancer's listeners (default ${ARGUMENT_DEFAULTS.host})
  --redis-persistent
                 keep Redis's data in an append-only file, so that a Redis restart keeps the sessions
  --address-block A.B
                 first two octets of the services' addresses: auth A.B.10.1, replicas A.B.11.N, Redis
                 A.B.12.1 (default ${ARGUMENT_DEFAULTS.addressBlock}); another block runs a second cluster beside the first
  --jwt-algorithm HS256|EdDSA
                 how the auth service signs access tokens (default ${ARGUMENT_DEFAULTS.jwtAlgorithm}): HS256 with one secret
                 that every replica shares, or EdDSA with Ed25519 keys that the replicas fetch from the auth
                 service's JWKS, which authlab drill rotate-keys needs
  --jwks-max-age-seconds N
                 with EdDSA, seconds a replica caches the JWKS before fetching it again, from 1 to 3600
                 (default ${ARGUMENT_DEFAULTS.jwksMaxAgeSeconds}); rotate-keys waits about twice this long
  --jwks-cooldown-seconds N
                 with EdDSA, minimum seconds between two JWKS fetches of a replica, at most the max age
                 (default ${ARGUMENT_DEFAULTS.jwksCooldownSeconds}; the replicas' own default is 30). A replica whose fetch failed
                 while the auth service restarted rejects a new kid until its cooldown has passed`;

const MATRIX_OPTIONS_HELP = `  --url URL, --ip-hash-url URL, --cookie-hash-url URL, --sticky-route-url URL
                 a listener's origin, on a loopback address. Default: the listeners of the cluster that
                 authlab up announced, else 127.0.0.1 ports 8080 to 8083. A --url of another cluster
                 without the other listener URLs runs round-robin only
  --modes LIST   balancer modes to run, comma-separated (default: every mode with a listener)
  --strategies LIST
                 strategies to run, comma-separated, each through every mode (default: jwt, session-memory,
                 session-redis and cookie-session through every mode, basic through the first mode only,
                 because each basic request costs the replica a full password check)
  --clients N    simulated clients per strategy and balancer mode, from 1 to 100 (default ${MATRIX_DEFAULTS.clients})
  --same-nat     send every client from one source address, as behind one NAT, to show ip-hash's imbalance
  --replica ID   the replica that restart-replica, stop-replica and secret-mismatch act on
                 (default: the one that created the most sessions)
  --cluster local|compose
                 how to drive the cluster's parts: the control channel of authlab up (local, the default),
                 or docker compose commands in the repository folder (compose)
  --compose-project NAME
                 compose project name, when it is not the folder's name
  --json         print one JSON document on stdout instead of the table (docs/report-format.md)
  --html FILE    also write a self-contained HTML report with charts to FILE`;

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
  drill: `Usage: authlab drill <${DRILL_NAMES.join('|')}> [options]
       authlab drill rotate-keys

Injects one fault into a running cluster while simulated clients of every strategy and balancer mode send
requests: before the fault, during it and after recovery. Then checks every client's session or token on
each replica, and prints per strategy and balancer mode the accepted, rejected and failed requests, the
sessions lost and a verdict against what the lab expects.
  restart-replica   stop one replica and start it again; memory sessions it held are lost
  stop-replica      stop one replica while requests are in flight; nginx retries GETs elsewhere
  redis-outage      stop Redis and start it again; session-redis answers 503 meanwhile
  auth-outage       stop the auth service; issued tokens keep working, login gets a JSON 502 or 503
  secret-mismatch   restart one replica with secrets of its own; exactly its share fails
Needs a cluster started with authlab up (or --cluster compose).

rotate-keys publishes a new Ed25519 signing key, makes it sign, then withdraws the old one, restarting
the auth service after each step, while one client sends requests with a token signed by the old key.
It prints the failed requests of each step, whether a token with the new kid verifies on every replica,
and how long after the withdrawal every replica rejected the old token, then a verdict. It takes no
options, needs a cluster started with authlab up --jwt-algorithm EdDSA, and exits with status 2 against
an HS256 cluster, whose counterpart is secret-mismatch.

Options:
  --requests N   authenticated requests per client in each phase, from 1 to 1000 (default ${MATRIX_DEFAULTS.drillRequests})
${MATRIX_OPTIONS_HELP}
  -h, --help     show this help

Exit status: 0 when the run completed, whatever the verdicts; 1 when the cluster cannot be reached or
driven, or a sign-in fails; 2 for invalid options, or rotate-keys against an HS256 cluster.
`,
  compare: `Usage: authlab compare [--clients ${MATRIX_DEFAULTS.clients}] [--requests ${MATRIX_DEFAULTS.requests}] [--drill NAME]... [options]

Runs the matrix of strategies and balancer modes. For each strategy and each balancer mode's listener,
signs in simulated clients, each from its own source address (127.1.N.1, one /24 network per client),
with its own keep-alive connection and cookie jar, then sends authenticated GET /<strategy>/me requests
one at a time, the clients taking turns in a random order. A round-robin session-redis client without a
cookie jar adds one row. With --drill, each drill then runs as authlab drill does.

Prints, per run, balancer mode and strategy, the accepted (200), rejected (401, 403) and failed requests,
the imbalance (the busiest replica's share times the replica count) and which replica served them, and a
verdict in plain words. Progress goes to stderr.

Options:
  --requests N   authenticated requests per client, from 1 to 1000 (default ${MATRIX_DEFAULTS.requests})
  --drill NAME   also run this drill, one of ${DRILL_NAMES.join(', ')}; repeat for several
${MATRIX_OPTIONS_HELP}
  -h, --help     show this help

Exit status: 0 when the run completed, whatever the verdicts; 1 when the balancer cannot be reached or a
sign-in through it fails; 2 for invalid options.
`,
  bench: `Usage: authlab bench [--url ${ARGUMENT_DEFAULTS.url}] [--quick] [--main-only] [--duration-seconds N]
                     [--rounds N] [--connections N] [--json] [--html FILE] [address options]

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
  --main-only            measure the main table only: no sweeps, no login or Basic rows (about half the time)
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
