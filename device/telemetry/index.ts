export * from './protocol.js';
export * from './parser.js';
export * from './samples.js';
export * from './describe.js';
