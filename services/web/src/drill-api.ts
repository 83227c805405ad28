/** One drill the cluster offers, as `GET /drills` lists it. */
export interface DrillEntry {
  readonly name: string;
  /** Whether the drill acts on the replica chosen in the panel. */
  readonly actsOnReplica: boolean;
  /** Whether the fault stays until a recover request; a drill without recovery is done when it returns. */
  readonly recoverable: boolean;
}

/** The drills and their state, as the drill API returns them. */
export interface DrillState {
  readonly drills: readonly DrillEntry[];
  readonly replicas: readonly string[];
  readonly active: { readonly name: string; readonly replica: string | null } | null;
  readonly running: { readonly name: string; readonly step: 'inject' | 'recover' } | null;
}

/** Result of one call to the drill API: the new state, or why there is none. */
export type DrillCallResult =
  | { readonly ok: true; readonly state: DrillState }
  | { readonly ok: false; readonly detail: string };

/** Upper bound for one call. Restarting a replica waits for its readiness check, up to 30 s. */
export const DRILL_CALL_TIMEOUT_MS = 60_000;

/** Reads the body of a drill API response, or returns null when it is not a drill state. */
export function parseDrillState(body: unknown): DrillState | null {
  if (typeof body !== 'object' || body === null) {
    return null;
  }
  const record = body as Record<string, unknown>;
  if (!Array.isArray(record.drills) || !Array.isArray(record.replicas)) {
    return null;
  }

  const drills: DrillEntry[] = [];
  for (const entry of record.drills as unknown[]) {
    const drill = entry as Partial<DrillEntry> | null;
    if (typeof drill?.name !== 'string' || typeof drill.actsOnReplica !== 'boolean') {
      return null;
    }
    drills.push({
      name: drill.name,
      actsOnReplica: drill.actsOnReplica,
      recoverable: drill.recoverable === true,
    });
  }
  const replicas = (record.replicas as unknown[]).filter(
    (replica): replica is string => typeof replica === 'string',
  );

  const active = record.active as { name?: unknown; replica?: unknown } | null | undefined;
  const running = record.running as { name?: unknown; step?: unknown } | null | undefined;
  return {
    drills,
    replicas,
    active:
      typeof active?.name === 'string'
        ? { name: active.name, replica: typeof active.replica === 'string' ? active.replica : null }
        : null,
    running:
      typeof running?.name === 'string' && (running.step === 'inject' || running.step === 'recover')
        ? { name: running.name, step: running.step }
        : null,
  };
}

/**
 * Calls the drill API: `GET {base}` for the state, `POST {base}/{drill}` to inject a fault and
 * `POST {base}/{drill}/recover` to end it. A POST sends JSON, which the API requires so that a page on
 * another site cannot start a drill with a plain form.
 */
export async function callDrillApi(
  base: string,
  call: { readonly drill?: string; readonly step?: 'inject' | 'recover'; readonly replica?: string | null },
): Promise<DrillCallResult> {
  const path =
    call.drill === undefined
      ? base
      : `${base}/${encodeURIComponent(call.drill)}${call.step === 'recover' ? '/recover' : ''}`;
  const init: RequestInit = {
    method: call.drill === undefined ? 'GET' : 'POST',
    cache: 'no-store',
    credentials: 'same-origin',
    signal: AbortSignal.timeout(DRILL_CALL_TIMEOUT_MS),
  };
  if (call.drill !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(call.replica ? { replica: call.replica } : {});
  }

  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    return { ok: false, detail: (error as Error).name === 'TimeoutError' ? 'timeout' : 'no response' };
  }

  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: the status alone describes the failure below.
  }
  const state = response.ok ? parseDrillState(body) : null;
  if (state !== null) {
    return { ok: true, state };
  }
  const message = (body as { message?: unknown } | null)?.message;
  return {
    ok: false,
    detail: typeof message === 'string' ? `${response.status}: ${message}` : String(response.status),
  };
}
