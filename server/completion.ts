// Completion from the schema, by YAML path: keys (leaving out those already there), layer kinds,
// known boards and enum values, conv indices under `weights:`, and snippets for a layer and for
// an update plan.

import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem, type Position } from 'vscode-languageserver/node';
import type { Analysis } from '../compiler/analysis.js';
import { BOARDS } from '../compiler/config/boards.js';
import { repairedName, resolve, schemaAt, type Schema } from '../compiler/config/validate.js';
import { contextAt, type YamlContext } from './yaml-path.js';

const snippet = (label: string, insertText: string, detail: string, documentation?: string, kind: CompletionItemKind = CompletionItemKind.Snippet): CompletionItem => ({
  label, kind, detail, insertText, insertTextFormat: InsertTextFormat.Snippet,
  ...(documentation ? { documentation: { kind: MarkupKind.Markdown, value: documentation } } : {}),
});

const LAYER_SNIPPETS: Record<string, string> = {
  conv: 'conv: { out: ${1:16}, kernel: ${2:3}, stride: ${3:1} }',
  mbconv: 'mbconv: { out: ${1:16}, kernel: ${2:3}, expand: ${3:4}, stride: ${4:1} }',
};

const UPDATE_PLAN = 'update:\n  biases: ${1:22}\n  weights:\n    ${2:21}: ${3:1}\n    ${4:36}: ${5:1/8}';

function layerKinds(): [string, Schema][] {
  return Object.entries(schemaAt(['model', 'layers', 0])?.properties ?? {}).map(([k, s]) => [k, resolve(s)]);
}

/** `uri`: the config's, for the model name its file name suggests. */
export function completionsAt(lines: string[], pos: Position, a: Analysis | undefined, uri?: string): CompletionItem[] {
  const ctx = contextAt(lines, pos.line, pos.character);
  const path = ctx.path;
  const last = path[path.length - 1];

  // In a list item of model.layers, where the kind goes.
  if (ctx.atKey && !ctx.inFlow && typeof last === 'number' && path[path.length - 2] === 'layers' && ctx.afterDash && isLayerPrefix(lines[pos.line], pos.character)) {
    return layerKinds().map(([k, s]) => snippet(k, LAYER_SNIPPETS[k] ?? `${k}: { $0 }`, `${k} layer`, s.description, CompletionItemKind.Class));
  }
  // Under `layers:` with no dash yet: a whole layer item.
  if (ctx.atKey && !ctx.inFlow && last === 'layers') {
    return layerKinds().map(([k, s]) => snippet(`- ${k}`, `- ${LAYER_SNIPPETS[k] ?? `${k}: { $0 }`}`, `${k} layer`, s.description, CompletionItemKind.Class));
  }
  if (ctx.atKey) return keyCompletions(ctx, a);
  if (ctx.valueKey) return valueCompletions([...path, ctx.valueKey], a, uri);
  return [];
}

function isLayerPrefix(line: string, character: number): boolean {
  return /^\s*-\s+[A-Za-z]*$/.test(line.slice(0, character));
}

function keyCompletions(ctx: YamlContext, a: Analysis | undefined): CompletionItem[] {
  const path = ctx.path;
  const s = schemaAt(path);
  if (!s) return [];
  const items: CompletionItem[] = [];
  const present = new Set(ctx.siblings);
  for (const [key, raw] of Object.entries(s.properties ?? {})) {
    if (present.has(key)) continue;
    const ps = resolve(raw);
    items.push({
      label: key,
      kind: CompletionItemKind.Property,
      detail: typeLabel(ps),
      documentation: ps.description ? { kind: MarkupKind.Markdown, value: ps.description } : undefined,
      insertText: ctx.inFlow ? `${key}: $0` : keyInsert(key, ps, path),
      insertTextFormat: InsertTextFormat.Snippet,
    });
  }
  const where = path.join('.');
  if (where === 'model' && !present.has('input') && !ctx.inFlow) {
    items.push(snippet('input (1-D)', 'input: [${1:52}, ${2:3}]', 'a window of T samples of C channels (a 1-D model)', 'A time-series model: T samples of C channels (e.g. 52 samples = 2 s at 26 Hz of a 3-axis accelerometer). Kernels and strides then run along time: `kernel: 5` is 5 samples.'));
  }
  if (where === 'train' && !present.has('update')) {
    items.push(snippet('update plan', UPDATE_PLAN, 'sparse update: biases of the last n convs, weights of a few', 'The last n convs train their bias; the listed convs (index -> ratio of input channels) train weights too.'));
  }
  if (where === 'train.update.weights' && a) {
    const taken = new Set(ctx.siblings);
    for (const r of a.layers) {
      if (r.update === 'frozen' || taken.has(String(r.index))) continue;
      items.push({
        label: String(r.index), kind: CompletionItemKind.Value,
        detail: `${r.name} (${r.kind}, ${r.cin} ${r.kind === 'dw' ? 'channels' : 'input channels'})`,
        insertText: `${r.index}: \${1|1,1/2,1/4,1/8|}`, insertTextFormat: InsertTextFormat.Snippet,
        sortText: String(r.index).padStart(5, '0'),
      });
    }
  }
  return items;
}

function keyInsert(key: string, s: Schema, path: (string | number)[]): string {
  if (key === 'input') return 'input: [${1:128}, ${2:128}, ${3:3}]';
  if (key === 'layers') return 'layers:\n  - ${1|conv,mbconv|}: { out: ${2:16}, kernel: ${3:3} }';
  if (s.type === 'object') return `${key}:\n  $0`;
  if (key === 'board' && path.join('.') === 'target') return `board: \${1|${Object.keys(BOARDS).join(',')}|}`;
  return `${key}: $0`;
}

function typeLabel(s: Schema): string {
  if (s.enum) return s.enum.join(' | ');
  if (s.oneOf) return s.oneOf.map((b) => resolve(b).type ?? 'value').join(' | ');
  return s.type ?? '';
}

/** The config's file name as a model name (the `model.name` pattern), if it makes one. */
export function nameFromUri(uri: string | undefined): string | undefined {
  return repairedName(decodeURIComponent(uri?.split('/').pop() ?? '').replace(/\.tinytrain\.ya?ml$/, '').replace(/\.ya?ml$/, ''));
}

function valueCompletions(path: (string | number)[], a: Analysis | undefined, uri?: string): CompletionItem[] {
  const key = path[path.length - 1];
  if (key === 'name' && path.join('.') === 'model.name') {
    const s = schemaAt(path);
    const name = nameFromUri(uri);
    return name ? [{ label: name, kind: CompletionItemKind.Value, detail: 'from the file name', documentation: s?.description }] : [];
  }
  if (key === 'board') {
    return Object.values(BOARDS).map((b) => ({
      label: b.name, kind: CompletionItemKind.EnumMember, detail: b.cpu === 'host' ? 'host' : `${b.cpu}, ${b.sramBytes / 1024} KB SRAM`,
      documentation: b.description,
    }));
  }
  const s = schemaAt(path);
  if (!s) return [];
  const values = new Set<string>();
  for (const branch of s.oneOf ? s.oneOf.map(resolve) : [s]) {
    for (const e of branch.enum ?? []) values.add(String(e));
    if (branch.type === 'boolean') ['true', 'false'].forEach((v) => values.add(v));
  }
  const items: CompletionItem[] = [...values].map((v) => ({ label: v, kind: CompletionItemKind.EnumMember, documentation: s.description }));
  if (key === 'biases' && a?.model) items.push({ label: String(a.model.convs), kind: CompletionItemKind.Value, detail: 'every backbone conv' });
  if ((key === 'sram' || key === 'flash') && a?.budget && Number.isFinite(a.budget.sramBytes)) {
    items.push({ label: key === 'sram' ? `${Math.round(a.budget.sramBytes / 1024)}KB` : '1MB', kind: CompletionItemKind.Value, detail: 'the board\'s figure' });
  }
  return items;
}
