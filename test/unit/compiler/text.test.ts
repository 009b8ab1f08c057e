// The one rule for text that leaves the compiler (compiler/codegen/text.ts): each function is the
// identity on plain names and inert on anything else (property tests over arbitrary strings; the
// C compiler's own reading of cString is checked in test/integration/training/hostile-strings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cComment, cIdentifier, cString, oneLine, pathSegment } from '../../../compiler/codegen/text.js';

const PLAIN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: fc.constantFrom('*', '/', '?', '\\', '"', '\n', '\r', '#', '$', '(', ')', '.', 'a', 'é', '\u2028'), maxLength: 60 }));

test('plain names pass through every function unchanged', () => {
  for (const n of ['mcunet-5fps', 'mnist-transfer', 'a', 'v1.2_final', 'X'.repeat(64)]) {
    assert.ok(PLAIN.test(n));
    assert.equal(oneLine(n, 200), n);
    assert.equal(cComment(n, 200), n);
    assert.equal(cString(n), `"${n}"`);
    assert.equal(pathSegment(n), n);
  }
});

test('oneLine and cComment: printable ASCII on one line, no comment delimiter, trigraph or line splice', () => {
  fc.assert(fc.property(anyText, (s) => {
    const l = oneLine(s);
    assert.match(l, /^[\x20-\x7e]*$/);
    assert.ok(l.length <= 120);
    assert.doesNotMatch(l, /\\$/);
    const c = cComment(s);
    assert.match(c, /^[\x20-\x7e]*$/);
    assert.doesNotMatch(c, /\*\/|\/\*|\?\?|\\/);
  }), { numRuns: 2000 });
  assert.equal(cComment('a */ b /* c'), 'a *_/ b /_* c');
  assert.equal(oneLine('x\n\tall: pwn'), 'x??all: pwn');
});

test('cString: one literal of printable ASCII whose escapes decode to the UTF-8 bytes', () => {
  const decode = (lit: string): Buffer => {
    const bytes: number[] = [];
    const body = lit.slice(1, -1);
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== '\\') { bytes.push(body.charCodeAt(i)); continue; }
      const next = body[i + 1];
      if (/[0-7]/.test(next)) { bytes.push(parseInt(body.slice(i + 1, i + 4), 8)); i += 3; } else { bytes.push(next.charCodeAt(0)); i += 1; }
    }
    return Buffer.from(bytes);
  };
  fc.assert(fc.property(anyText, (s) => {
    const lit = cString(s);
    assert.match(lit, /^"([\x20-\x21\x23-\x3e\x40-\x5b\x5d-\x7e]|\\["\\?]|\\[0-7]{3})*"$/);
    assert.ok(decode(lit).equals(Buffer.from(s, 'utf8')));
  }), { numRuns: 2000 });
});

test('cIdentifier: a valid, unreserved C identifier', () => {
  fc.assert(fc.property(anyText, (s) => {
    const id = cIdentifier(s);
    assert.match(id, /^[A-Za-z_][A-Za-z0-9_]*$/);
    assert.doesNotMatch(id, /^_[A-Z_]/);
    assert.ok(id.length <= 66);
  }), { numRuns: 1000 });
  assert.equal(cIdentifier('L5.pw1'), 'L5_pw1');
  assert.equal(cIdentifier('3x'), 'tt_3x');
  assert.equal(cIdentifier('int'), 'tt_int');
});

test('pathSegment: one name that stays inside its folder', () => {
  fc.assert(fc.property(anyText, (s) => {
    const seg = pathSegment(s);
    assert.match(seg, /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/);
  }), { numRuns: 2000 });
  assert.equal(pathSegment('..'), 'model');
  assert.equal(pathSegment('../../etc'), '_.._etc');
  assert.equal(pathSegment(''), 'model');
});
