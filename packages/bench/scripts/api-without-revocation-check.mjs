// Entry point of a replica that never looks access tokens up in the Redis denylist: the lab's replica
// (services/api/dist/server.js) with API_REVOCATION_CHECK=off. The local cluster passes its replicas a
// fixed set of environment variables, so up-without-revocation-check.mjs starts the cluster with this
// file as the replicas' entry point instead.
process.env.API_REVOCATION_CHECK = 'off';
await import('../../../services/api/dist/server.js');
