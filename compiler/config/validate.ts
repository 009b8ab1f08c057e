// Checks a YAML document against the shipped JSON Schema, walking the YAML nodes themselves so
// every problem lands on the node that causes it. Only the schema keywords the TinyTrain schema
// uses are interpreted (type, properties, patternProperties, additionalProperties, required,
// enum, minimum/maximum, exclusiveMinimum, minItems/maxItems, min/maxProperties, items, pattern,
// oneOf, $ref); the messages say what would be right.

import { isMap, isPair, isScalar, isSeq, isAlias, type Node, type Pair, type YAMLMap } from 'yaml';
import schemaJson from '../../schema/tinytrain.schema.json';
import type { Locator } from './located.js';
import type { Problem } from './spec.js';

export interface Schema {
  $ref?: string;
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  items?: Schema;
  pattern?: string;
  /** What a value that fails `pattern` must look like (VS Code's JSON schema extension). */
  patternErrorMessage?: string;
  oneOf?: Schema[];
  definitions?: Record<string, Schema>;
}

export const CONFIG_SCHEMA = schemaJson as unknown as Schema;

/** Resolved schemas by the schema that refers to them: every config node is checked against a
 * handful of schema objects, so each $ref chain is followed (and its object built) once. */
const resolved = new WeakMap<Schema, Schema>();

export function resolve(schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const known = resolved.get(schema);
  if (known) return known;
  let s = schema;
  for (let i = 0; s.$ref && i < 8; i++) {
    const name = s.$ref.replace('#/definitions/', '');
    const target = CONFIG_SCHEMA.definitions?.[name];
    if (!target) break;
    s = { ...target, description: s.description ?? target.description };
  }
  resolved.set(schema, s);
  return s;
}

/** Compiled patterns by source (a config checks the same few patterns at every layer). */
const patterns = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) { re = new RegExp(source); patterns.set(source, re); }
  return re;
}

/** The schema of the node at a key path, e.g. ['model', 'layers', 0, 'conv', 'out']. */
export function schemaAt(path: (string | number)[]): Schema | undefined {
  let s: Schema | undefined = CONFIG_SCHEMA;
  for (const key of path) {
    if (!s) return undefined;
    s = resolve(s);
    if (typeof key === 'number') s = s.items;
    else s = s.properties?.[key] ?? Object.entries(s.patternProperties ?? {}).find(([p]) => pattern(p).test(key))?.[1];
  }
  return s ? resolve(s) : undefined;
}

type Kind = 'object' | 'array' | 'integer' | 'number' | 'string' | 'boolean' | 'null';

function kindOf(node: Node | null | undefined): Kind {
  if (!node) return 'null';
  if (isMap(node)) return 'object';
  if (isSeq(node)) return 'array';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
    if (typeof v === 'boolean') return 'boolean';
    return 'string';
  }
  return 'null';
}

function typeMatches(kind: Kind, type: string | undefined): boolean {
  if (!type) return true;
  if (type === 'number') return kind === 'number' || kind === 'integer';
  return kind === type;
}

const ARTICLE: Record<string, string> = {
  object: 'a map', array: 'a list', integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false',
};

/** A value as a message shows it: JSON, clipped so a 10,000-character string stays readable. */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 42 ? `${s.slice(0, 38)}..."` : s;
}

function describeValue(node: Node | null | undefined): string {
  if (!node) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null || v === undefined) return 'nothing';
    return shown(v);
  }
  return 'an alias';
}

export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

function suggest(name: string, options: string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(name.toLowerCase(), o.toLowerCase());
    if (d < bestD) { bestD = d; best = o; }
  }
  return best && bestD <= Math.max(1, Math.floor(best.length / 3)) ? ` Did you mean '${best}'?` : '';
}

/** A name with the characters a name pattern leaves out turned into `-` (runs collapsed, ends
 * trimmed, at most 64 characters): the did-you-mean of a bad name; undefined when nothing is left. */
export function repairedName(v: string): string | undefined {
  const r = v.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64).replace(/[-_.]+$/, '');
  return r || undefined;
}

export class SchemaValidator {
  readonly problems: Problem[] = [];
  constructor(private readonly loc: Locator) {}

  private report(node: Node | Pair | null | undefined, fallback: [number, number], code: string, message: string): void {
    const r = (node as Node | null)?.range;
    const span: [number, number] = r ? [r[0], r[1]] : fallback;
    this.problems.push(this.loc.problem(this.loc.located(span[0], span[1]), 'error', code, message));
  }

  /** `label` names the value in messages ("'out'", "model"); `at` locates a missing value. */
  check(node: Node | null | undefined, schema: Schema, label: string, at: [number, number], depth = 0): void {
    if (depth > 32) return;
    const s = resolve(schema);
    if (isAlias(node)) return; // aliases are resolved by the spec reader; their target is checked where it stands
    if (s.oneOf) {
      const kind = kindOf(node);
      const branch = s.oneOf.map(resolve).find((b) => typeMatches(kind, b.type));
      if (!branch) {
        const wanted = s.oneOf.map((b) => describeBranch(resolve(b))).join(' or ');
        this.report(node, at, 'wrong-type', `${label} must be ${wanted}; got ${describeValue(node)}.`);
        return;
      }
      this.check(node, { ...branch, description: s.description }, label, at, depth + 1);
      return;
    }
    const kind = kindOf(node);
    if (s.type && !typeMatches(kind, s.type)) {
      const hint = s.description ? ` (${s.description})` : '';
      this.report(node, at, 'wrong-type', `${label} must be ${ARTICLE[s.type] ?? s.type}${hint}; got ${describeValue(node)}.`);
      return;
    }
    if (isScalar(node)) {
      const v = node.value;
      if (s.enum && !s.enum.includes(v)) {
        const opts = s.enum.map(String);
        this.report(node, at, 'not-allowed', `${label} cannot be ${shown(v)}; use one of: ${opts.join(', ')}.${suggest(String(v), opts)}`);
      }
      if (typeof v === 'number') {
        if (s.minimum !== undefined && v < s.minimum) this.report(node, at, 'out-of-range', `${label} must be at least ${s.minimum}; got ${v}.`);
        if (s.exclusiveMinimum !== undefined && v <= s.exclusiveMinimum) this.report(node, at, 'out-of-range', `${label} must be more than ${s.exclusiveMinimum}; got ${v}.`);
        if (s.maximum !== undefined && v > s.maximum) this.report(node, at, 'out-of-range', `${label} must be at most ${s.maximum}; got ${v}.`);
      }
      if (typeof v === 'string' && s.pattern && !pattern(s.pattern).test(v)) {
        const fix = repairedName(v);
        const hint = fix !== undefined && pattern(s.pattern).test(fix) ? ` Did you mean '${fix}'?` : '';
        this.report(node, at, 'bad-format', s.patternErrorMessage
          ? `${label} ${shown(v)}: ${s.patternErrorMessage}${hint}`
          : `${label} ${shown(v)} is not in the right form${s.description ? ` (${s.description})` : ''}.${hint}`);
      }
      return;
    }
    if (isSeq(node)) {
      const n = node.items.length;
      if (s.minItems !== undefined && n < s.minItems) this.report(node, at, 'too-few', `${label} needs at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}${s.description ? ` (${s.description})` : ''}; it has ${n}.`);
      if (s.maxItems !== undefined && n > s.maxItems) this.report(node, at, 'too-many', `${label} takes at most ${s.maxItems} items${s.description ? ` (${s.description})` : ''}; it has ${n}.`);
      if (s.items) node.items.forEach((item, i) => this.check(item as Node, s.items!, `${label}[${i}]`, spanOf(item as Node, at), depth + 1));
      return;
    }
    if (isMap(node)) this.checkMap(node, s, label, at, depth);
  }

  private checkMap(node: YAMLMap, s: Schema, label: string, at: [number, number], depth: number): void {
    const known = Object.keys(s.properties ?? {});
    const seen = new Set<string>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : describeValue(keyNode);
      const keySpan = spanOf(keyNode, at);
      if (seen.has(key)) {
        this.report(keyNode, keySpan, 'duplicate-key', `'${key}' appears twice in ${label}; keep one.`);
        continue;
      }
      seen.add(key);
      const propSchema = s.properties?.[key]
        ?? Object.entries(s.patternProperties ?? {}).find(([p]) => pattern(p).test(key))?.[1];
      if (!propSchema) {
        if (s.additionalProperties === false) {
          const expected = known.length ? `expected one of: ${known.join(', ')}.${suggest(key, known)}` : describePattern(s);
          this.report(keyNode, keySpan, 'unknown-key', `Unknown key '${key}' in ${label}; ${expected}`);
        }
        continue;
      }
      this.check(pair.value as Node | null, propSchema, `'${key}'`, keySpan, depth + 1);
    }
    const n = node.items.length;
    if (s.minProperties !== undefined && n < s.minProperties) this.report(node, at, 'too-few', `${label} is empty; it needs one of: ${known.join(', ')}.`);
    if (s.maxProperties !== undefined && n > s.maxProperties) this.report(node, at, 'too-many', `${label} must name exactly one kind (${known.join(' or ')}); it has ${n} keys. Start a new list item for each layer.`);
    for (const req of s.required ?? []) {
      if (!seen.has(req)) {
        const d = s.properties?.[req]?.description;
        this.report(null, at, 'missing-key', `${label} is missing '${req}'${d ? ` (${d})` : ''}.`);
      }
    }
  }
}

function describeBranch(s: Schema): string {
  if (s.type === 'string' && s.enum) return s.enum.map((e) => `'${e}'`).join(' or ');
  if (s.type === 'string' && s.pattern) return 'a string in the documented form';
  return ARTICLE[s.type ?? ''] ?? 'a value';
}

function describePattern(s: Schema): string {
  const p = Object.keys(s.patternProperties ?? {});
  return p.includes('^[0-9]+$') ? 'keys here are conv indices (whole numbers).' : 'no keys are allowed here.';
}

export function spanOf(node: Node | null | undefined, fallback: [number, number]): [number, number] {
  const r = node?.range;
  return r ? [r[0], r[1]] : fallback;
}
