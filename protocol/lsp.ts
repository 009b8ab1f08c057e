// The messages between the TinyTrain language server and its clients (the extension, later the
// webviews, and the tests). Types and method names only: each custom request or notification is
// declared once here and imported by both sides, so a rename or a shape change breaks the build
// on both ends instead of failing at run time.

import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { Analysis } from '../compiler/analysis.js';
import type { FindPlanResult } from '../compiler/search.js';
import type { StepProfile, TimelineBuffer } from './webview.js';

export type { Analysis, FindPlanResult, StepProfile, TimelineBuffer };

/** `tinytrain/profile`: the last `tinytrain profile` of an open config (kept beside it in
 * .tinytrain/<model>/profile/latest.json), per layer. `null` when it has none. */
export interface ProfileParams { uri: string }
export type ProfileResult = StepProfile | null;
export const ProfileRequest = {
  method: 'tinytrain/profile',
  type: new RequestType<ProfileParams, ProfileResult, void>('tinytrain/profile'),
} as const;

/** `tinytrain/analysis`: the whole analysis of an open document, with the memory timeline and
 * the no-reordering / full-update comparison. `null` when the document is not open. */
export interface AnalysisParams {
  /** The document URI, as in textDocument/didOpen. */
  uri: string;
  /** With timeline and comparisons (default). `false`: the analysis the diagnostics of the
   * current version come from, which the server already has (the plan view wants only that). */
  full?: boolean;
}
export type AnalysisResult = Analysis | null;
export const AnalysisRequest = {
  method: 'tinytrain/analysis',
  type: new RequestType<AnalysisParams, AnalysisResult, void>('tinytrain/analysis'),
} as const;

/** `tinytrain/timelineBuffers`: every arena buffer of the current version's plan with its
 * lifetime (the memory timeline lists the tensors under the mouse). `null` when not a config. */
export interface TimelineBuffersParams { uri: string }
export type TimelineBuffersResult = { version: number; buffers: TimelineBuffer[] } | null;
export const TimelineBuffersRequest = {
  method: 'tinytrain/timelineBuffers',
  type: new RequestType<TimelineBuffersParams, TimelineBuffersResult, void>('tinytrain/timelineBuffers'),
} as const;

/** Contributions measured for this network, cached next to the config (`<name>.contrib.json`). */
export type MeasuredContributions = { path: string; runs: number; steps: number } | { path: string; error: string };

/** `tinytrain/planSearchSetup`: what Find Best Update Plan needs before it asks for a budget. */
export interface PlanSearchSetupParams { uri: string }
export type PlanSearchSetup =
  | { ok: false; error: string }
  | {
    ok: true;
    version: number;
    board: string;
    sramBytes?: number;
    /** The board's SRAM minus what inference alone needs (KB). */
    defaultBudgetKB?: number;
    /** A stable key of the network, to tell whether a later edit changed it. */
    network: string;
    hasData: boolean;
    /** Where measured contributions are cached (configs on disk only). */
    contribPath?: string;
    measured?: MeasuredContributions;
  };
export const PlanSearchSetupRequest = {
  method: 'tinytrain/planSearchSetup',
  type: new RequestType<PlanSearchSetupParams, PlanSearchSetup, void>('tinytrain/planSearchSetup'),
} as const;

/** `tinytrain/planSearch`: the sparse-update plan search of the current version, run in the
 * server's worker. Cancelling the request stops it; progress comes as `tinytrain/planSearchProgress`. */
export interface PlanSearchParams {
  uri: string;
  budgetKB: number;
  /** The prior, or the measured file `planSearchSetup` reported. */
  contributions: 'prior' | 'measured';
  samples?: number;
  /** Echoed in the progress notifications of this search. */
  progressId: string;
}
export type PlanSearchResult =
  | { ok: false; error: string; cancelled?: boolean }
  | { ok: true; version: number; network: string; result: FindPlanResult };
export const PlanSearchRequest = {
  method: 'tinytrain/planSearch',
  type: new RequestType<PlanSearchParams, PlanSearchResult, void>('tinytrain/planSearch'),
} as const;

export interface PlanSearchProgressParams { progressId: string; done: number; total: number }
export const PlanSearchProgressNotification = {
  method: 'tinytrain/planSearchProgress',
  type: new NotificationType<PlanSearchProgressParams>('tinytrain/planSearchProgress'),
} as const;

/** `tinytrain/status`: sent by the server after each published analysis, with what a status
 * item shows (peak against budget); sent with `cleared: true` when the document closes. */
export interface StatusParams {
  uri: string;
  version: number;
  cleared?: boolean;
  /** Planned peak SRAM in bytes (absent when the config could not be analyzed). */
  peakSramBytes?: number;
  sramBudgetBytes?: number;
  flashBytes?: number;
  flashBudgetBytes?: number;
  board?: string;
  /** The figures cover only the layers before the first unreadable one. */
  partial: boolean;
  errors: number;
  warnings: number;
}
export const StatusNotification = {
  method: 'tinytrain/status',
  type: new NotificationType<StatusParams>('tinytrain/status'),
} as const;

/** Options a client may pass as `initializationOptions`. */
export interface InitializationOptions {
  /** Quiet-time unit of a burst of edits (ms): a burst is analyzed three of these after
   *  its last edit. An edit outside a burst is analyzed at once. */
  debounceMs?: number;
  /** Analyze in a worker thread (default true when running from the bundle). */
  worker?: boolean;
}

/** Commands the server's code lenses invoke; the client registers them. Argument: the URI. */
export const Commands = {
  showPlan: 'tinytrain.showPlan',
  compile: 'tinytrain.compile',
} as const;

/** Configuration section the server reads per resource via workspace/configuration. */
export interface ServerSettings {
  inlayHints: { enabled: boolean };
  codeLens: { enabled: boolean };
}
export const DEFAULT_SETTINGS: ServerSettings = { inlayHints: { enabled: true }, codeLens: { enabled: true } };
