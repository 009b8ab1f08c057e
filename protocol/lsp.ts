// The messages between the TinyTrain language server and its clients (the extension, later the
// webviews, and the tests). Types and method names only: each custom request or notification is
// declared once here and imported by both sides, so a rename or a shape change breaks the build
// on both ends instead of failing at run time.

import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { Analysis } from '../compiler/analysis.js';

export type { Analysis };

/** `tinytrain/analysis`: the whole analysis of an open document, with the memory timeline and
 * the no-reordering / full-update comparison. `null` when the document is not open. */
export interface AnalysisParams {
  /** The document URI, as in textDocument/didOpen. */
  uri: string;
}
export type AnalysisResult = Analysis | null;
export const AnalysisRequest = {
  method: 'tinytrain/analysis',
  type: new RequestType<AnalysisParams, AnalysisResult, void>('tinytrain/analysis'),
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
  /** Quiet time after the last edit before a document is analyzed (ms). */
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
