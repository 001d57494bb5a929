// The job environment contract (README › Job environment): what a job inherits, line by line,
// under each executor, compared with the same command run by `sh -c` from the same shell and,
// where installed, by GNU parallel. qrun runs as a user runs it: its executable from a shell
// (which notes what Node would hide: the caller's fds, the soft open-file limit).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { baseEnv, qrunBin, track } from './helpers.js';
import { locateHelper } from '../../src/runner/helper/locate.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-jobenv-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const helper = locateHelper();
const haveGnu = spawnSync('parallel', ['--version'], { stdio: 'ignore' }).status === 0;
// The executable's sh line runs `node` from PATH: this test's own.
const env = { ...baseEnv, CI: 'true', PATH: `${dirname(process.execPath)}:${baseEnv.PATH ?? '/usr/bin:/bin'}`, SCRATCH: scratch };

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a shell script (killed if it overruns); its output as text (bytes shown through od where it matters). */
function sh(script: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = track(spawn('/bin/sh', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] }), 30_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let files = 0;
/** A job file holding `command` (one job). */
function jobFile(command: string): string {
  const path = join(scratch, `job.${++files}`);
  writeFileSync(path, `${command}\n`);
  return path;
}

/** The job run by `sh -c` after `setup`, in the same shell. */
async function bySh(setup: string, command: string): Promise<string> {
  const ran = await sh(`${setup}\nexec /bin/sh "${jobFile(command)}"`);
  assert.equal(ran.code, 0, ran.stderr);
  return ran.stdout;
}

/** How qrun is told where output goes, and how what it kept is read back (the output modes). */
interface Mode {
  readonly name: string;
  readonly args: string;
  /** A script that prints what the run kept (--results DIR: GNU's layout, nothing on stdout). */
  readonly after?: string;
}

const modes: Record<'group' | 'line' | 'ungroup' | 'results', Mode> = {
  group: { name: 'group', args: '' },
  line: { name: 'line', args: '--output line' },
  ungroup: { name: 'ungroup', args: '-u' },
  results: { name: '--results DIR', args: '--results "$SCRATCH/r.$$"', after: 'cat "$SCRATCH/r.$$"/1/*/stdout "$SCRATCH/r.$$"/1/*/stderr' },
};

/** The job run by qrun (one job) after `setup`; its output, with exit 0 and nothing on stderr. */
async function byQrun(executor: string, setup: string, command: string, mode: Mode = modes.group, args = ''): Promise<string> {
  const ran = await sh(`${setup}\n"${qrunBin}" -q --executor ${executor} ${mode.args} ${args} < "${jobFile(command)}" || exit $?\n${mode.after ?? ''}`);
  assert.equal(ran.stderr, '', `qrun --executor ${executor} ${mode.args}`);
  assert.equal(ran.code, 0);
  return ran.stdout;
}

/** The job run by GNU parallel after `setup`. */
async function byGnu(setup: string, command: string): Promise<string> {
  const ran = await sh(`${setup}\nexec parallel < "${jobFile(command)}"`);
  assert.equal(ran.code, 0, ran.stderr);
  return ran.stdout;
}

/** One line of the contract: `setup` in the calling shell, `command` as the job. */
interface Line {
  readonly name: string;
  readonly setup: string;
  readonly command: string;
  /** What the execa executor gives instead, where it differs (a documented difference); undefined: as sh -c. */
  readonly execa?: (bySh: string) => RegExp | string;
  /** The same in every output mode (they differ in where output goes, not in what a job inherits). */
  readonly modes?: boolean;
}

const lines: Line[] = [
  {
    name: 'environment values keep their bytes, UTF-8 or not',
    setup: `BAD=$(printf 'a\\377\\376b'); export BAD`,
    command: `printf %s "$BAD" | od -An -tx1`,
    // Node decodes its environment as UTF-8, and execa takes strings: each bad byte becomes U+FFFD.
    execa: () => ' 61 ef bf bd ef bf bd 62\n',
    modes: true,
  },
  {
    name: 'the working directory, whatever bytes its name holds',
    setup: `d=$(printf "$SCRATCH/lat\\351n"); mkdir -p "$d"; cd "$d"`,
    command: `pwd -P | od -An -c`,
  },
  {
    name: 'the soft open-file limit the caller set, and the hard one',
    setup: 'ulimit -Sn 512',
    command: `grep 'open files' /proc/self/limits`,
    // Node raises its own soft limit to the hard one at start-up; execa's jobs inherit that.
    execa: (shown) => shown.replace(/^(Max open files\s+)512(\s+)(\d+)/, (_, head: string, gap: string, hard: string) => `${head}${hard}${' '.repeat(gap.length + 3 - hard.length)}${hard}`),
    modes: true,
  },
  {
    name: "the caller's file descriptors 3 to 9 (qrun … 3>log)",
    setup: `exec 3>"$SCRATCH/fd3.$$" 7<&0`,
    command: `{ echo hi >&3 && echo wrote; } 2>/dev/null; [ -e /proc/self/fd/7 ] && echo seven; true`,
    // Node's spawn passes only the descriptors it is given, and qrun gives execa none of them.
    execa: () => '',
  },
  {
    name: "no descriptor of qrun's own (ls shows its own directory's, 3)",
    setup: ':',
    command: `ls /proc/self/fd | tr '\\n' ' '`,
    modes: true,
  },
  {
    name: 'the umask',
    setup: 'umask 027',
    command: 'umask',
    modes: true,
  },
  {
    name: 'the hard and soft limits of the rest (core, stack, processes)',
    setup: 'ulimit -Sc 0',
    command: `grep -v 'open files' /proc/self/limits`,
  },
];

const executors = [
  { name: 'helper', skip: 'reason' in helper ? `no helper: ${helper.reason}` : false },
  { name: 'execa', skip: false },
] as const;

for (const executor of executors) {
  describe(`job environment contract, ${executor.name} executor`, { skip: executor.skip }, () => {
    for (const line of lines) {
      it(`${line.name}: as sh -c${line.execa && executor.name === 'execa' ? ' (except as documented for execa)' : ''}${haveGnu ? ' and GNU parallel' : ''}`, async () => {
        const reference = await bySh(line.setup, line.command);
        if (haveGnu) assert.equal(await byGnu(line.setup, line.command), reference, 'GNU parallel gives what sh -c gives');
        const expected = executor.name === 'execa' && line.execa !== undefined ? line.execa(reference) : reference;
        for (const mode of line.modes === true ? Object.values(modes) : [modes.group]) {
          const got = await byQrun(executor.name, line.setup, line.command, mode);
          if (typeof expected === 'string') assert.equal(got, expected, `mode ${mode.name}`);
          else assert.match(got, expected, `mode ${mode.name}`);
        }
      });
    }

    it('stdout and stderr are pipes or files, never sockets: a job can open /dev/stdout, /dev/stderr, /dev/stdin', async () => {
      // (>>: in group mode stdout is a file, which > would empty, as under GNU parallel)
      const command = `echo $(stat -L -c %F /proc/$$/fd/1 /proc/$$/fd/2 | grep -c socket); echo hi >>/dev/stdout; echo hi | tee -a /dev/stderr >/dev/null`;
      for (const mode of Object.values(modes)) {
        // qrun's own stdout and stderr are a pipe here (not this test's socket pair), as in a shell pipeline.
        const ran = await sh(`{ "${qrunBin}" -q --executor ${executor.name} ${mode.args} < "${jobFile(command)}"; echo "status $?"; ${mode.after ?? ':'}; } 2>&1 | cat`);
        if (executor.name === 'execa' && (mode === modes.line || mode === modes.results)) {
          // Through Node's pipes (socket pairs): documented for execa.
          assert.match(ran.stdout, /^2$/m, `mode ${mode.name}`);
          continue;
        }
        // (stdout and stderr are apart: their order in line mode is the order qrun read them in)
        assert.deepEqual(ran.stdout.split('\n').sort(), ['', '0', 'hi', 'hi', 'status 0'], `mode ${mode.name}: no socket, and both could be opened`);
      }
      // stdin: /dev/null, or a pipe (--pipe): never a socket through the helper.
      const nullIn = await sh(`exec "${qrunBin}" -q --executor ${executor.name} < "${jobFile('readlink /proc/self/fd/0')}"`);
      assert.equal(nullIn.stdout, '/dev/null\n');
      const piped = await sh(`printf 'a\\nb\\n' | "${qrunBin}" -q --executor ${executor.name} --pipe 'stat -L -c %F /dev/stdin; cat'`);
      assert.equal(piped.stdout, executor.name === 'helper' ? 'fifo\na\nb\n' : 'socket\na\nb\n');
    });

    it('every signal at its default and none blocked; a session and process group of its own; no child it did not start', async () => {
      const command = `grep -E '^Sig(Ign|Blk)' /proc/self/status; ps -o pid=,pgid=,sid= -p $$; ps -o comm= --ppid $$`;
      for (const mode of [modes.group, modes.line]) {
        const out = await byQrun(executor.name, `trap '' HUP INT`, command, mode);
        assert.match(out, /^SigBlk:\s+0+\nSigIgn:\s+0+\n/, `mode ${mode.name}`);
        const [pid, pgid, sid] = (out.split('\n')[2] ?? '').trim().split(/\s+/);
        assert.ok(pid !== undefined && pid === pgid && pid === sid, `the shell leads its group and session: ${out}`);
        assert.equal(out.split('\n').slice(3).join('\n'), 'ps\n', 'its only child is the ps it started');
      }
      // --pipe-part: the block feeder is not the job's child.
      const file = join(scratch, 'part.txt');
      writeFileSync(file, 'x\n'.repeat(1000));
      const part = await sh(`exec "${qrunBin}" -q --executor ${executor.name} --pipe-part -a "${file}" --block 10M 'cat >/dev/null; ps -o comm= --ppid $$'`);
      assert.equal(part.code, 0, part.stderr);
      assert.equal(part.stdout, 'ps\n');
    });
  });
}
