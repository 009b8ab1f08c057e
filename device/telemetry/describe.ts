// Telemetry for people: one readable line per message (the serial monitor's default view) and
// a frame's bytes in hex (its raw view). No I/O.

import { encodeFrame, NackReason, type Frame, type Message } from './protocol.js';

const NACK_NAMES = Object.fromEntries(Object.entries(NackReason).map(([k, v]) => [v, k])) as Record<number, string>;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];

/** The name of a LOG frame's level (debug, info, warn, error). */
export function logLevelName(level: number): string {
  return LOG_LEVELS[level] ?? `level ${level}`;
}

function bytes(n: number): string {
  return n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}

function hz(n: number): string {
  return n >= 1e6 ? `${+(n / 1e6).toFixed(3)} MHz` : n >= 1e3 ? `${+(n / 1e3).toFixed(3)} kHz` : `${n} Hz`;
}

/** One line per message, e.g. `HELLO v1 netduinoplus2: arena 37.4 KB, samples up to 786 B, window 1, model 0x1a2b3c4d, counter 168 MHz`. */
export function describeMessage(m: Message): string {
  switch (m.type) {
    case 'hello':
      return `HELLO v${m.version} ${m.board || '(no board name)'}: arena ${bytes(m.arenaBytes)}, samples up to ${m.maxSamplePayload ? bytes(m.maxSamplePayload) : 'none (embedded)'}, window ${m.window}, model 0x${(m.modelHash >>> 0).toString(16).padStart(8, '0')}, counter ${hz(m.counterHz)}`;
    case 'done':
      return `DONE ${m.status === 0 ? 'ok' : `status ${m.status}`}: ${m.steps} steps, stack high-water ${bytes(m.stackHighWater)} of ${bytes(m.stackSize)}, counter ${m.counter}`;
    case 'sample':
      return `SAMPLE label ${m.label}${m.flags & 1 ? ' eval' : ''}${m.flags & 2 ? ' last' : ''}, ${m.input.length} input bytes`;
    case 'ack':
      return `ACK sample ${m.seq}, ${m.credits} credit${m.credits === 1 ? '' : 's'}`;
    case 'nack':
      return `NACK sample ${m.seq}: ${NACK_NAMES[m.reason] ?? `reason ${m.reason}`}`;
    case 'step':
      return `STEP ${m.step}: loss ${m.loss.toFixed(4)}, predicted ${m.predicted}, label ${m.label}${m.predicted === m.label ? ' (right)' : ''}, counter ${m.counter}`;
    case 'eval':
      return `EVAL after step ${m.step}: ${m.correct}/${m.total} right (${(m.accuracy * 100).toFixed(1)} %), mean loss ${m.loss.toFixed(4)}`;
    case 'profile':
      return `PROFILE ops ${m.first}-${m.first + m.counts.length - 1} of ${m.ops} over ${m.steps} steps: ${m.counts.join(' ')}`;
    case 'prediction':
      return `PREDICTION held-out sample: predicted ${m.predicted}, label ${m.label}${m.predicted === m.label ? ' (right)' : ''}`;
    case 'trained':
      return `TRAINED tensor ${m.index + 1} of ${m.count} (${m.conv < 0 ? 'classifier' : `conv ${m.conv}`} ${m.kind === 0 ? 'weights' : m.kind === 1 ? 'bias' : `kind ${m.kind}`}): bytes ${m.offset}-${m.offset + m.data.length} of ${m.bytes}`;
    case 'log':
      return `LOG ${logLevelName(m.level)}: ${m.text}`;
    case 'unknown':
      return `frame 0x${m.code.toString(16).padStart(2, '0')} (unknown to this TinyTrain), ${m.payload.length} payload bytes`;
  }
}

/** The frame's bytes as they were on the wire (sync, header, payload, CRC), in hex. */
export function frameHex(f: Frame): string {
  return Array.from(encodeFrame(f.code, f.seq, f.payload), (b) => b.toString(16).padStart(2, '0')).join(' ');
}
