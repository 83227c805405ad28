/**
 * English text of the dashboard. Every key here has a twin in `zh-cn.ts` with the same `{placeholders}`; a
 * unit test compares the two tables.
 */
export const en = {
  'app.title': 'authlab dashboard',
  'app.subtitle':
    'Sign in with a strategy, send a burst of requests through the balancer and see which replica answers each one.',
  'app.skipToMain': 'Skip to the controls',
  'language.label': 'Language',

  'origin.heading': 'Origins',
  'origin.page': 'This page',
  'origin.balancer': 'Balancer',
  'origin.crossOrigin':
    'Different origins (the ports differ), so every call is a CORS request: the balancer must allow this origin by name.',
  'origin.sameSite':
    'Same site (same scheme and host, ports do not count), so the browser sends SameSite=Lax cookies with these calls.',
  'origin.crossSite':
    'Different sites: the browser does not send SameSite=Lax cookies with these calls, so the cookie strategies fail. Open this page on {host} instead.',

  'signIn.heading': 'Sign in',
  'field.strategy': 'Strategy',
  'field.balancerMode': 'Balancer mode',
  'field.balancerUrl': 'Balancer URL',
  'field.balancerUrl.hint':
    'The listener of the selected balancer mode. A change here lasts until the page reloads.',
  'field.balancerUrl.invalid': 'Enter an http or https URL without a path, such as http://127.0.0.1:8080.',
  'field.user': 'Demo user',
  'action.signIn': 'Sign in',
  'action.signOut': 'Sign out',
  'status.notSignedIn':
    'Not signed in on this page yet. A burst carries no token, so the replicas reject it, unless the browser still keeps a session cookie from before a reload.',
  'status.signedOut': 'Signed out. Requests now carry no proof and should be rejected.',
  'status.signingIn': 'Signing in…',
  'status.signedIn': 'Signed in as {user} with {strategy}. The sign-in was answered by {replica}.',
  'status.signedInBasic':
    'Ready: {strategy} sends the user name and password of {user} with every request. There is no sign-in request.',
  'status.signInRejected': 'Sign-in rejected with {status} {code}: {message}',
  'status.signInNoResponse':
    'Sign-in failed: the browser exposed no response. The balancer is not running, the service behind it is down (nginx sends its own errors without CORS headers), or it does not allow this origin (CORS).',
  'status.signInTimeout': 'Sign-in failed: no answer within {seconds} seconds.',
  'status.signOutFailed': 'Sign-out did not reach the server ({detail}); the page forgot the proof anyway.',

  'strategy.jwt.name': 'jwt (token in a header)',
  'strategy.jwt.about':
    'The auth service signs a JWT once. The page keeps it in memory and sends it as a Bearer header; every replica checks the signature on its own.',
  'strategy.session-memory.name': 'session-memory (cookie)',
  'strategy.session-memory.about':
    'The replica that handles the sign-in keeps the session in its own memory and sets an HttpOnly cookie. Other replicas do not know that session.',
  'strategy.session-redis.name': 'session-redis (cookie)',
  'strategy.session-redis.about':
    'The session lives in Redis, which every replica reads, so any replica accepts the cookie.',
  'strategy.cookie-session.name': 'cookie-session (encrypted cookie)',
  'strategy.cookie-session.about':
    'The whole session is encrypted into an HttpOnly cookie. Every replica holds the key, so any replica reads it and no store is needed.',
  'strategy.basic.name': 'basic (password on every request)',
  'strategy.basic.about':
    'There is no sign-in request: the page sends the user name and password in an Authorization: Basic header with every request, and each replica checks the password hash every time.',
  'mode.round-robin.name': 'round-robin (port {port})',
  'mode.round-robin.about': 'Each request goes to the next replica in turn.',
  'mode.ip-hash.name': 'ip-hash (port {port})',
  'mode.ip-hash.about':
    'nginx hashes the first three octets of the client address, so every client of one /24 network, this browser included, reaches the same replica.',
  'mode.cookie-hash.name': 'cookie-hash (port {port})',
  'mode.cookie-hash.about':
    'nginx hashes the session cookies, so requests with the same cookies reach one replica. A request without them, such as the sign-in, can reach another one.',
  'mode.sticky-route.name': 'sticky-route (port {port})',
  'mode.sticky-route.about':
    'The replica that creates a session sets a route cookie with its id, and nginx sends later requests to that replica. Without the cookie it uses round-robin.',
  'expect.all-accepted': 'Expected: every request is accepted, whichever replica answers.',
  'expect.all-or-none':
    'Expected: every request reaches the one replica the session cookie hashes to. All are accepted if that replica created the session, and all are rejected otherwise.',
  'expect.mostly-rejected':
    'Expected: most requests are rejected, because only the replica that created the session knows it. With N replicas about (N-1)/N fail.',

  'burst.heading': 'Send a burst',
  'field.burstSize': 'Number of requests',
  'field.burstSize.hint': '{min} to {max}. {concurrency} requests are in flight at once.',
  'action.sendBurst': 'Send burst',
  'action.stopBurst': 'Stop',
  'action.clearGrid': 'Clear',
  'burst.empty': 'No requests yet. Sign in, then send a burst.',
  'burst.running': '{done} of {total} answered…',
  'burst.summary': '{accepted} accepted, {rejected} rejected, {failed} failed, out of {total}.',
  'burst.gridLabel': 'Requests of the latest burst, in the order they were sent',
  'cell.pending': 'Request {number}: waiting',
  'cell.accepted': 'Request {number}: accepted by {replica} ({status})',
  'cell.rejected': 'Request {number}: rejected by {replica} ({status} {code})',
  'cell.failed': 'Request {number}: failed ({detail})',
  'cell.noResponse': 'no readable response',
  'legend.heading': 'How to read the grid',
  'legend.accepted': 'Replica number on its color: accepted (2xx).',
  'legend.rejected': '✕ and the replica number, hatched: rejected (401 or 403).',
  'legend.failed': '! on grey: failed (another status, a timeout or no readable response).',
  'legend.unknown': '? instead of a number: the response did not say which replica answered.',
  'counts.heading': 'Requests per replica',
  'counts.replica': 'Replica',
  'counts.accepted': 'Accepted',
  'counts.rejected': 'Rejected',
  'counts.failed': 'Failed',
  'counts.total': 'All replicas',
  'counts.unknownReplica': 'not stated',
  'counts.empty': 'No requests counted yet.',

  'details.heading': 'Cookies and headers',
  'details.empty': 'The latest sign-in and the latest request of a burst appear here.',
  'details.signIn': 'Latest sign-in',
  'details.latest': 'Latest request of the burst',
  'details.request': 'Request',
  'details.response': 'Response',
  'details.scriptHeaders': 'Headers set by the script',
  'details.none': 'none',
  'details.credentialsMode': 'fetch credentials mode',
  'details.credentials.include':
    'The browser adds the cookies it holds for {host}, HttpOnly ones included, and an Origin header. Scripts see neither.',
  'details.credentials.omit': 'The browser sends no cookies. It still adds an Origin header.',
  'details.status': 'Status',
  'details.duration': 'Time',
  'details.readableHeaders': 'Response headers this page can read',
  'details.readableHeaders.hint':
    'Only CORS-safelisted headers and those named in Access-Control-Expose-Headers, such as X-Served-By and X-Request-Id.',
  'details.body': 'Body',
  'details.noResponse':
    'No response was exposed to the page. A stopped server and a CORS refusal look the same to a script; the browser console tells them apart.',
  'details.timeout': 'No answer within {seconds} seconds.',
  'details.setCookie.heading': 'Did the response set a cookie?',
  'details.setCookie.hidden':
    'Scripts never read Set-Cookie, whatever the CORS headers say, so the page cannot show it directly.',
  'details.setCookie.expected': 'A successful {strategy} sign-in sets the cookie {cookie}.',
  'details.setCookie.none': '{strategy} sets no cookie: the proof is {proof}.',
  'details.setCookie.proofBearer': 'a token in the Authorization header',
  'details.setCookie.proofBasic': 'the password in the Authorization header',
  'details.documentCookie': 'document.cookie on this page',
  'details.documentCookie.empty':
    'Empty. A session cookie is HttpOnly, so scripts never see it, yet the browser still sends it with credentialed requests.',
  'details.documentCookie.visible':
    'Cookies are not isolated by port, so this page sees the non-HttpOnly cookies of {host} here.',
  'details.cookieProof.sent':
    'The browser sent the cookie: the latest request was accepted by {replica}, which found the session.',
  'details.cookieProof.unknown':
    'The latest request was rejected by {replica}: either the browser sent no cookie, or that replica does not know the session.',
  'details.token': 'Access token (in page memory only)',
  'details.tokenClaims': 'sub {sub}, jti {jti}, expires at {expires}',
  'details.tokenNone': 'No token: sign in with jwt first.',

  'compare.heading': 'Comparison',
  'compare.intro':
    'The bursts of this page fill this comparison as they finish. You can also open the JSON report of the authlab compare command.',
  'compare.sourcePage': 'the bursts of this page',
  'compare.sourceFile': 'the file {name}',
  'compare.sourceUrl': 'the URL {url}',
  'field.reportFile': 'Open a report file (JSON)',
  'action.chooseFile': 'Choose a file',
  'compare.noFile': 'No file chosen',
  'field.reportUrl': 'Report URL',
  'action.loadReportUrl': 'Load URL',
  'action.showPageBursts': "Show this page's bursts",
  'action.downloadReport': 'Download as JSON',
  'compare.empty': 'No data yet: send a burst, or open a report of authlab compare.',
  'compare.showing': 'Rows shown: {rows}, from {source}.',
  'compare.showingMeasured': 'Rows shown: {rows}, from {source}, measured through {balancer}.',
  'compare.loadFailed': 'The report could not be loaded: {detail}',
  'compare.notJson': 'the content is not valid JSON',
  'compare.tooLarge': 'it is larger than {max} bytes',
  'compare.httpStatus': 'the server answered {status}',
  'compare.unreachable': 'the URL could not be fetched (not running, or not allowed by CORS)',
  'compare.invalidUrl': 'enter an absolute http or https URL',
  'compare.problem': '{path}: {reason}',
  'compare.reason.expected-object': 'expected an object',
  'compare.reason.expected-rows': 'expected a list of 1 to 200 rows under "rows"',
  'compare.reason.expected-text': 'expected a non-empty text',
  'compare.reason.expected-count': 'expected a whole number of 0 or more',
  'compare.reason.expected-latency': 'expected { median, p95 } in milliseconds',
  'chart.outcomes': 'Accepted, rejected and failed requests',
  'chart.outcomes.summary': '✓ accepted, ✕ rejected, ! failed',
  'chart.replicas': 'Which replica answered',
  'chart.replicas.summary': 'The number after each bar counts the replicas that answered.',
  'chart.replicas.none': 'This report does not say which replica answered.',
  'chart.latency': 'Latency: median (upper bar) and 95th percentile (lower bar)',
  'chart.latencyColumn': 'Median / 95th percentile',
  'chart.verdicts': 'Verdicts of authlab compare',
  'outcome.accepted': 'accepted',
  'outcome.rejected': 'rejected',
  'outcome.failed': 'failed',

  'drill.heading': 'Drills',
  'drill.intro':
    'Inject a fault into the running cluster and watch its effect on the grid. A drill stays active until you recover it.',
  'drill.replica': 'Replica',
  'drill.autoBurst': 'After each step, send a burst with the signed-in strategy',
  'drill.restart-replica': 'Restart a replica',
  'drill.restart-replica.about':
    'Stops the replica and starts it again. The memory sessions it held are gone; the other strategies keep working.',
  'drill.stop-replica': 'Stop a replica',
  'drill.stop-replica.about':
    'Stops the replica until you recover it. nginx sends its requests to the other replicas, and sends it requests again 5 s (its fail_timeout) after recovery.',
  'drill.redis-outage': 'Stop Redis',
  'drill.redis-outage.about':
    'Stops Redis until you recover it. Redis sessions get 503 with Retry-After meanwhile; a Redis without persistence comes back empty, so sign in again.',
  'drill.auth-outage': 'Stop the auth service',
  'drill.auth-outage.about':
    'Stops the auth service until you recover it. Nobody can sign in, but the replicas keep accepting the JWTs they can verify on their own.',
  'drill.secret-mismatch': 'Give a replica secrets of its own',
  'drill.secret-mismatch.about':
    'Restarts the replica with a JWT secret, a session secret and a cookie-session key that nothing else shares. What it answers is rejected until you recover it.',
  'drill.recover': 'Recover: {drill}',
  'drill.injecting': '{drill}: injecting the fault…',
  'drill.recovering': '{drill}: recovering…',
  'drill.active': '{drill} is active. Send bursts to watch its effect, then recover.',
  'drill.activeOnReplica': '{drill} is active on {replica}. Send bursts to watch its effect, then recover.',
  'drill.done': '{drill} is done on {replica}.',
  'drill.recovered': '{drill} is recovered.',
  'drill.failed': '{drill} failed: {detail}',
  'drill.noBurst': 'No burst was sent, because this strategy is not signed in. Sign in to watch the effect.',
  'expect.duringDrill':
    '{expectation} While {drill} is active, the grid may differ from this: watch what changes.',
  'status.signInKept': 'Your earlier sign-in is kept, and its proof is still sent.',
  'drill.unavailable': 'The drill API did not respond ({detail}), so no drill can start.',

  'config.notice': 'config.json, {field}: {reason}. That value was ignored.',
  'config.unreadable': 'config.json could not be read, so the page uses its default addresses.',
  'config.reason.not-object': 'expected a JSON object',
  'config.reason.unknown-field': 'unknown field',
  'config.reason.not-map': 'expected an object of balancer mode to URL',
  'config.reason.unknown-mode': 'unknown balancer mode',
  'config.reason.invalid-url': 'expected an http or https URL without a path',
  'config.reason.invalid-api-url': 'expected a path such as /drills, or an http or https URL',

  'footer.note':
    'The demo passwords are public on purpose: this is a lab. The page stores only your language choice; tokens stay in memory.',
} as const;

export type MessageKey = keyof typeof en;
