import { connect, type Socket } from 'node:net';
import { LatencyHistogram } from './histogram.js';
import type { LoadOptions, LoadRequest, LoadResult } from './load-options.js';
import { type LoopbackTarget, parseLoopbackTarget } from './loopback.js';
import { type ParsedResponse, readResponse, readResponseAtClose } from './response-parser.js';

/** How often in-flight requests are checked against the timeout. */
const TIMEOUT_CHECK_INTERVAL_MS = 100;

/** Pause before connecting again after a connection attempt failed, so a stopped target is not spun on. */
const RECONNECT_DELAY_MS = 100;

/** Serialises a request once, so each send is a single socket write of ready bytes. */
function encodeRequest(target: LoopbackTarget, request: LoadRequest): Buffer {
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `Host: ${target.hostHeader}`];
  const headers = request.headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      throw new TypeError(`header ${name} contains a line break`);
    }
    lines.push(`${name}: ${value}`);
  }

  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  if (body) {
    lines.push(`Content-Length: ${body.length}`);
  }

  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

/** State shared by every connection of one run. */
class RunState {
  readonly histogram = new LatencyHistogram();
  readonly errorsByKind: Record<string, number> = {};
  successes = 0;
  errors = 0;
  /** Every response and failed request, warm-up included, to divide the targets' CPU time by. */
  allRequests = 0;
  reconnects = 0;
  /** Requests sent since measuring started; the run stops sending when it reaches `maxRequests`. */
  measuredSent = 0;
  /** hrtime at which measuring starts; requests sent before it are warm-up. */
  measureStart = 0n;
  measuring = false;
  stopping = false;
  lastMeasuredResponse = 0n;
  stoppedBy: LoadResult['stoppedBy'] = 'duration';

  constructor(readonly options: LoadOptions) {}

  countError(kind: string, sentAt: bigint): void {
    this.allRequests += 1;
    if (!this.measuring || sentAt < this.measureStart) {
      return;
    }
    this.errors += 1;
    this.errorsByKind[kind] = (this.errorsByKind[kind] ?? 0) + 1;
    this.lastMeasuredResponse = process.hrtime.bigint();
  }

  countResponse(status: number, sentAt: bigint, receivedAt: bigint): void {
    if (status !== this.options.expectedStatus) {
      this.countError(`status ${status}`, sentAt);
      return;
    }
    this.allRequests += 1;
    if (!this.measuring || sentAt < this.measureStart) {
      return;
    }
    this.lastMeasuredResponse = receivedAt;
    this.successes += 1;
    this.histogram.record(Number(receivedAt - sentAt) / 1000);
  }

  /** Decides whether a connection may send another request, and counts it when it may. */
  takeRequest(): boolean {
    if (this.stopping) {
      return false;
    }
    if (this.measuring) {
      if (this.measuredSent >= this.options.maxRequests) {
        this.stoppedBy = 'max-requests';
        this.stopping = true;
        return false;
      }
      this.measuredSent += 1;
    }
    return true;
  }
}

/** One keep-alive connection that sends its request, waits for the whole response, and sends again. */
class LoadConnection {
  private socket: Socket | undefined;
  private pending: Buffer | undefined;
  private sentAt = 0n;
  private inFlight = false;
  private connected = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly target: LoopbackTarget,
    private readonly requestBytes: Buffer,
    private readonly localAddress: string | undefined,
    private readonly state: RunState,
    private readonly onIdle: () => void,
  ) {}

  get busy(): boolean {
    return this.inFlight;
  }

  /** Time the current request was sent, or 0n when none is in flight. */
  get inFlightSince(): bigint {
    return this.inFlight ? this.sentAt : 0n;
  }

  open(): void {
    const socket = connect({
      host: this.target.connectHost,
      port: this.target.port,
      noDelay: true,
      ...(this.localAddress ? { localAddress: this.localAddress } : {}),
    });
    this.socket = socket;
    this.pending = undefined;
    this.connected = false;
    socket.on('connect', () => {
      this.connected = true;
      this.sendNext();
    });
    socket.on('data', (chunk: Buffer) => this.handleData(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      this.handleSocketEnd(`socket: ${error.code ?? 'error'}`),
    );
    socket.on('close', () => this.handleSocketEnd('socket: closed'));
  }

  /** Closes the socket because the in-flight request took longer than the timeout. */
  expire(): void {
    if (!this.inFlight) {
      return;
    }
    this.inFlight = false;
    this.state.countError('timeout', this.sentAt);
    this.reopen();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.socket?.destroy();
  }

  private sendNext(): void {
    if (this.closed || !this.state.takeRequest()) {
      this.inFlight = false;
      this.onIdle();
      return;
    }
    this.inFlight = true;
    this.sentAt = process.hrtime.bigint();
    this.socket?.write(this.requestBytes);
  }

  private handleData(chunk: Buffer): void {
    if (!this.inFlight) {
      return;
    }
    this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;

    let response: ParsedResponse | undefined;
    try {
      response = readResponse(this.pending);
    } catch {
      this.inFlight = false;
      this.state.countError('invalid response', this.sentAt);
      this.reopen();
      return;
    }
    if (!response) {
      return;
    }

    this.finishResponse(response);
  }

  private finishResponse(response: ParsedResponse): void {
    this.inFlight = false;
    this.pending = undefined;
    this.state.countResponse(response.status, this.sentAt, process.hrtime.bigint());
    if (response.closesConnection) {
      this.reopen();
      return;
    }
    this.sendNext();
  }

  private handleSocketEnd(kind: string): void {
    if (this.closed) {
      return;
    }
    if (this.inFlight && this.pending) {
      const response = readResponseAtClose(this.pending);
      if (response) {
        this.socket = undefined;
        this.finishResponse(response);
        return;
      }
    }
    if (this.inFlight) {
      this.inFlight = false;
      this.state.countError(kind, this.sentAt);
      this.reopen();
      return;
    }
    if (!this.connected) {
      this.state.countError(kind.replace('socket', 'connect'), process.hrtime.bigint());
      this.reopen(RECONNECT_DELAY_MS);
      return;
    }
    this.reopen();
  }

  private reopen(delayMs = 0): void {
    const old = this.socket;
    this.socket = undefined;
    old?.removeAllListeners();
    old?.on('error', () => {});
    old?.destroy();
    if (this.closed || this.state.stopping) {
      this.onIdle();
      return;
    }
    this.state.reconnects += 1;
    if (delayMs === 0) {
      this.open();
      return;
    }
    this.reconnectTimer = setTimeout(() => {
      if (this.closed || this.state.stopping) {
        this.onIdle();
        return;
      }
      this.open();
    }, delayMs);
  }
}

/**
 * Runs one load in the calling thread: warm-up, then the measured part until `durationMs` has passed or
 * `maxRequests` requests were sent, then waits for the requests in flight. Call it from a worker thread
 * (see `runLoad`) so the measurement has an event loop to itself.
 */
export function runLoadInThisThread(options: LoadOptions): Promise<LoadResult> {
  const target = parseLoopbackTarget(options.url);
  const encoded = options.requests.map((request) => encodeRequest(target, request));
  const state = new RunState(options);

  return new Promise((resolve) => {
    const connections: LoadConnection[] = [];
    let finished = false;
    let stopTimer: NodeJS.Timeout | undefined;
    let drainTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      if (finished) {
        return;
      }
      finished = true;
      clearInterval(timeoutChecker);
      clearTimeout(warmupTimer);
      clearTimeout(stopTimer);
      clearTimeout(drainTimer);
      for (const connection of connections) {
        connection.close();
      }

      const end =
        state.lastMeasuredResponse > state.measureStart
          ? state.lastMeasuredResponse
          : process.hrtime.bigint();
      const elapsedMs = state.measuring ? Number(end - state.measureStart) / 1e6 : 0;
      const histogram = state.histogram;
      resolve({
        successes: state.successes,
        errors: state.errors,
        errorsByKind: { ...state.errorsByKind },
        elapsedMs,
        requestsPerSecond: elapsedMs > 0 ? (state.successes * 1000) / elapsedMs : 0,
        latency: {
          minMicros: histogram.percentile(0),
          p50Micros: histogram.percentile(50),
          p90Micros: histogram.percentile(90),
          p99Micros: histogram.percentile(99),
          maxMicros: histogram.snapshot().maxMicros,
          meanMicros: histogram.mean(),
        },
        histogram: histogram.snapshot(),
        reconnects: state.reconnects,
        allRequests: state.allRequests,
        stoppedBy: state.stoppedBy,
      });
    };

    const finishWhenIdle = () => {
      if (state.stopping && connections.every((connection) => !connection.busy)) {
        finish();
      }
    };

    const stop = () => {
      state.stopping = true;
      finishWhenIdle();
      // Requests still in flight get until their timeout; then the run ends without them.
      drainTimer = setTimeout(finish, options.timeoutMs + TIMEOUT_CHECK_INTERVAL_MS);
    };

    const startMeasuring = () => {
      state.measuring = true;
      state.measureStart = process.hrtime.bigint();
      stopTimer = setTimeout(stop, options.durationMs);
    };

    const timeoutChecker = setInterval(() => {
      const limit = BigInt(options.timeoutMs) * 1_000_000n;
      const now = process.hrtime.bigint();
      for (const connection of connections) {
        const since = connection.inFlightSince;
        if (since !== 0n && now - since > limit) {
          connection.expire();
        }
      }
      if (state.stopping && !drainTimer) {
        stop();
      }
    }, TIMEOUT_CHECK_INTERVAL_MS);

    const warmupTimer = setTimeout(startMeasuring, options.warmupMs);

    const localAddresses = options.localAddresses ?? [];
    for (let index = 0; index < options.connections; index += 1) {
      const localAddress =
        localAddresses.length > 0 ? localAddresses[index % localAddresses.length] : undefined;
      const connection = new LoadConnection(
        target,
        encoded[index % encoded.length]!,
        localAddress,
        state,
        finishWhenIdle,
      );
      connections.push(connection);
      connection.open();
    }
  });
}
