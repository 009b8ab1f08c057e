// What the terminal sees of text the CLI prints: control characters, escape sequences and
// bidirectional overrides become '?'; newlines, tabs and ordinary Unicode stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalText } from '../../../cli/format.js';

test('terminalText: escape sequences, carriage returns, C1 controls and bidi overrides become ?', () => {
  assert.equal(terminalText('a\u001b[2Jb'), 'a?[2Jb');
  assert.equal(terminalText('done\rfake'), 'done?fake');
  assert.equal(terminalText('x\u009b31my'), 'x?31my');
  assert.equal(terminalText('c\u202ed\u2066e'), 'c?d?e');
  assert.equal(terminalText('bell\u0007 nul\u0000 del\u007f'), 'bell? nul? del?');
});

test('terminalText: newlines, tabs and ordinary text are unchanged', () => {
  const s = 'mcunet · 128x128x3 -> 10 classes\n\tL5.pw1  99.4 KB  µs  größe  日本';
  assert.equal(terminalText(s), s);
});
