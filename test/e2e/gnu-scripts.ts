// Differential testing of whole shell snippets: the same bash lines run twice, once with
// `parallel` and `sem` on PATH being GNU parallel and once being qrun, each in a fresh directory.
// The cases live in test/e2e/gnu-suite/*.cases, translated from GNU parallel's own test scripts.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseEnv, qrunBin, root, track } from './helpers.js';

/** One snippet of a .cases file: its heading and its bash lines. */
export interface ScriptCase {
  readonly file: string;
  readonly name: string;
  readonly body: string;
}

/** How many times a snippet calls `parallel` or `sem` (the yardstick's unit: invocations). */
export function invocations(body: string): number {
  return body.match(/(?:^|[\s|;&(`])(?:parallel|sem)(?=\s|$)/gm)?.length ?? 0;
}

/**
 * Reads every case of test/e2e/gnu-suite/: a file holds cases, each starting with a line
 * `### name`; lines before the first case and lines starting with `#` are comments.
 */
export function loadCases(dir = join(root, 'test/e2e/gnu-suite')): ScriptCase[] {
  const cases: ScriptCase[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cases')).sort()) {
    let current: { name: string; lines: string[] } | undefined;
    const close = (): void => {
      if (current) cases.push({ file, name: current.name, body: current.lines.join('\n').trim() });
    };
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line.startsWith('### ')) {
        close();
        current = { name: line.slice(4).trim(), lines: [] };
      } else if (current && !/^#(?!!)/.test(line)) current.lines.push(line);
    }
    close();
  }
  return cases;
}

/** What a snippet printed and how it ended. */
export interface SnippetRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number | null;
}

/** A directory of `parallel` and `sem` commands that are one tool or the other. */
function shims(): { gnu: string; qrun: string; scratch: string } {
  const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-gnuscripts-'));
  const gnuParallel = execFileSync('sh', ['-c', 'command -v parallel'], { encoding: 'utf8' }).trim();
  const write = (dir: string, name: string, text: string): void => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), `#!/bin/bash\n${text}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  const gnu = join(scratch, 'gnu-bin');
  write(gnu, 'parallel', `exec ${gnuParallel} --will-cite "$@"`);
  write(gnu, 'sem', `exec ${gnuParallel} --will-cite --semaphore "$@"`);
  const qrun = join(scratch, 'qrun-bin');
  const node = process.execPath;
  // -q: no summary on stderr (snippets that send stderr to stdout compare what the jobs wrote).
  write(qrun, 'parallel', `case "$1" in --semaphore) exec ${node} ${qrunBin} "$@";; esac\nexec ${node} ${qrunBin} -q "$@"`);
  write(qrun, 'sem', `exec ${node} ${qrunBin} sem "$@"`);
  return { gnu, qrun, scratch };
}

let made: ReturnType<typeof shims> | undefined;
const tools = (): ReturnType<typeof shims> => (made ??= shims());

/** Removes the shims and every directory the snippets ran in. */
export function cleanUp(): void {
  if (made) rmSync(made.scratch, { recursive: true, force: true });
}

/** Runs a snippet with bash in a fresh directory, `parallel` on PATH being `tool`. */
export function runSnippet(tool: 'gnu' | 'qrun', body: string): Promise<SnippetRun> {
  const { scratch, ...bins } = tools();
  const home = mkdtempSync(join(scratch, `${tool}-`));
  mkdirSync(join(home, 'tmp'));
  const env: NodeJS.ProcessEnv = { ...baseEnv, CI: 'true', HOME: home, TMPDIR: join(home, 'tmp'), XDG_STATE_HOME: join(home, 'state'), PATH: `${bins[tool]}:${baseEnv.PATH ?? ''}`, LC_ALL: 'C.UTF-8' };
  delete env.PARALLEL;
  const child = track(spawn('bash', ['-c', body], { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }), 180_000);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve) => child.on('close', (status) => resolve({ stdout, stderr, status })));
}

/** What a snippet's stderr says when it did not run as meant. */
export const brokenRun = /command not found|syntax error|No such file or directory/;

/** Both tools print the same stdout and end with the same status; GNU's run must be a real one. */
export async function sameScript(body: string): Promise<void> {
  const [qrun, gnu] = await Promise.all([runSnippet('qrun', body), runSnippet('gnu', body)]);
  // A snippet that cannot run (a missing command, a bash syntax error) would pass vacuously.
  assert.doesNotMatch(gnu.stderr, brokenRun, `GNU parallel's run of the snippet broke:\n${gnu.stderr}`);
  assert.notEqual(gnu.stdout, '', `GNU parallel's run printed nothing:\n${gnu.stderr}`);
  assert.equal(qrun.stdout, gnu.stdout, `stdout differs; qrun's stderr:\n${qrun.stderr}`);
  assert.equal(qrun.status, gnu.status, `exit status differs; qrun's stderr:\n${qrun.stderr}`);
}
