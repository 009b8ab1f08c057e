// Problems -> LSP diagnostics: each at its exact range (clamped into the document, whatever the
// analysis says), with the compiler's related information as DiagnosticRelatedInformation.

import { DiagnosticSeverity, type Diagnostic, type DiagnosticRelatedInformation, type Range } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Problem } from '../compiler/config/spec.js';

const SEVERITY: Record<Problem['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** A range moved inside the document: lines in [0, lineCount), characters within the line. */
export function clampRange(doc: TextDocument, r: Range): Range {
  const clamp = (p: Range['start']) => doc.positionAt(doc.offsetAt({ line: Math.max(0, p.line | 0), character: Math.max(0, p.character | 0) }));
  const start = clamp(r.start);
  const end = clamp(r.end);
  return end.line < start.line || (end.line === start.line && end.character < start.character) ? { start, end: start } : { start, end };
}

export function toDiagnostics(doc: TextDocument, problems: Problem[], withRelated = true): Diagnostic[] {
  return problems.map((p) => {
    const d: Diagnostic = {
      range: clampRange(doc, p.range),
      severity: SEVERITY[p.severity] ?? DiagnosticSeverity.Error,
      code: p.code,
      source: 'tinytrain',
      message: p.message,
    };
    if (withRelated && p.related?.length) {
      d.relatedInformation = p.related.map((r): DiagnosticRelatedInformation => ({
        location: { uri: doc.uri, range: clampRange(doc, r.range) },
        message: r.message,
      }));
    }
    return d;
  });
}
