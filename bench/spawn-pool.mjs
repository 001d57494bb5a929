#!/usr/bin/env node
// The floor for any Node runner: read command lines from stdin, run each as `/bin/sh -c <line>`
// with child_process.spawn, at most N at once. No grouping, no timeouts, nothing else.
// Usage: node spawn-pool.mjs N [inherit|pipe]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const limit = Number(process.argv[2] ?? 8);
const pipe = process.argv[3] === 'pipe';
const waiting = [];
let running = 0;
let ended = false;
let failures = 0;
const lines = createInterface({ input: process.stdin });

function next() {
  while (running < limit && waiting.length > 0) launch(waiting.shift());
  if (waiting.length < 64) lines.resume();
  if (ended && running === 0 && waiting.length === 0) process.exitCode = Math.min(failures, 101);
}

function launch(line) {
  running++;
  const child = spawn('/bin/sh', ['-c', line], { stdio: ['ignore', pipe ? 'pipe' : 'inherit', pipe ? 'pipe' : 'inherit'] });
  if (pipe) {
    child.stdout.pipe(process.stdout, { end: false });
    child.stderr.pipe(process.stderr, { end: false });
  }
  child.on('close', (code) => {
    if (code !== 0) failures++;
    running--;
    next();
  });
}

lines.on('line', (line) => {
  if (line === '') return;
  waiting.push(line);
  if (waiting.length >= 256) lines.pause();
  next();
});
lines.on('close', () => {
  ended = true;
  next();
});
