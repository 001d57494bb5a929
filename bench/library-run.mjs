#!/usr/bin/env node
// `run()` from qrun's library with streams of its own (not the process's stdout and stderr): the
// job lines on stdin, their output into streams that drop it. For `npm run bench`.
//   node bench/library-run.mjs <concurrency> < jobs.txt
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { run } from '../dist/src/index.js';

const concurrency = Number(process.argv[2] ?? 8);
const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
// The iterator is taken at once: readline drops the lines it reads before anyone iterates.
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const summary = await run({ records: { [Symbol.asyncIterator]: () => lines }, concurrency, stdout: sink(), stderr: sink() });
if (summary.failed > 0) process.exitCode = 1;
