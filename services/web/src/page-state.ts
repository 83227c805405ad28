import type { CompareRow } from './compare-report.js';
import type { ConfigNotice, DashboardConfig } from './dashboard-config.js';
import type { Exchange } from './exchange.js';
import type { Language } from './i18n/translate.js';
import type { SignInState } from './lab-requests.js';
import type { RequestOutcome } from './tally.js';
import type { StatusMessage } from './views/translator.js';

/** The sign-in of one strategy. Each strategy keeps its own, because their proofs live in different places. */
export interface SignInRecord {
  readonly signedIn: boolean;
  readonly proof: SignInState;
  readonly exchange: Exchange | null;
  readonly status: StatusMessage;
  /** Whether a later sign-in failed and the page kept this earlier proof, which the status then mentions. */
  readonly keptAfterFailure?: boolean;
}

/** The latest burst: one cell per request, null until its response arrives. */
export interface BurstRecord {
  readonly strategyId: string;
  readonly balancerModeId: string;
  cells: (RequestOutcome | null)[];
  readonly durationsMs: number[];
  running: boolean;
  abort: AbortController | null;
  latestExchange: Exchange | null;
  latestOutcome: RequestOutcome | null;
}

/** Everything the page shows, in one object that every render reads. Nothing here outlives a reload. */
export interface PageState {
  language: Language;
  readonly config: DashboardConfig;
  readonly configNotices: readonly ConfigNotice[];
  readonly configUnreadable: boolean;
  strategyId: string;
  balancerModeId: string;
  username: string;
  /** Balancer URLs typed into the page, by balancer mode; they win over `config.json` until a reload. */
  readonly balancerUrlOverrides: Map<string, string>;
  readonly signIns: Map<string, SignInRecord>;
  burst: BurstRecord | null;
  /** The latest burst of each strategy and balancer mode, keyed `strategy|mode`, for the comparison. */
  readonly pageRows: Map<string, CompareRow>;
}
