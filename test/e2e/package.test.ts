// End to end: the packed tarball installs elsewhere and works as `npx qrun` and as a library.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { root } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'qrun-e2e-pack-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm pack', () => {
  it('installs from the tarball: npx qrun runs jobs, import { run } works, types ship', { timeout: 180_000 }, () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]?.files.map((file) => file.path) ?? [];
    assert.ok(files.includes('bin/qrun.js') && files.includes('dist/src/index.d.ts') && files.includes('dist/bundle/cli.mjs'));
    assert.ok(!files.some((path) => path.startsWith('test/') || path.startsWith('dist/test/')), 'no tests in the tarball');
    for (const file of ['LICENSE', 'CHANGELOG.md', 'docs/bench.md', 'dist/man/qrun.1', 'native/qrun-spawn.c']) assert.ok(files.includes(file), file);
    // The spawn helper ships prebuilt, statically linked, for both Linux CPUs.
    for (const [arch, machine] of [['x64', 62], ['arm64', 183]] as const) {
      const path = `native/bin/qrun-spawn-linux-${arch}`;
      assert.ok(files.includes(path), path);
      const elf = readFileSync(join(root, path));
      assert.equal(elf.toString('latin1', 1, 4), 'ELF');
      assert.equal(elf.readUInt16LE(18), machine, `${arch}: e_machine`);
      // No PT_INTERP program header: no dynamic loader, so it runs on any distribution.
      const phoff = Number(elf.readBigUInt64LE(32));
      const count = elf.readUInt16LE(56);
      for (let i = 0; i < count; i++) assert.notEqual(elf.readUInt32LE(phoff + i * 56), 3, `${arch}: statically linked`);
    }
    // The README's links to docs/ resolve inside the installed package.
    for (const [, link] of readFileSync(join(root, 'README.md'), 'utf8').matchAll(/\]\((docs\/[^)#]+)/g)) assert.ok(files.includes(link as string), link);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown> & { scripts: Record<string, string> };
    assert.ok(manifest.repository && manifest.bugs && Array.isArray(manifest.keywords) && manifest.man, 'repository, bugs, keywords, man');
    // npm pack builds once (prepack: the JS, then both helpers, which must build), and a consumer's install runs no script of qrun's.
    assert.equal(manifest.scripts.prepare, undefined);
    assert.equal(manifest.scripts.prepack, 'npm run build:js && bash scripts/build-helper.sh --all');

    const app = join(scratch, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', join(scratch, packed[0]?.filename ?? '')], { cwd: app, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    assert.doesNotMatch(install.stdout + install.stderr, /warn|install script|prepare/i, 'a clean install: no script, no warning');
    assert.ok(existsSync(join(app, 'node_modules/qrun/dist/src/index.d.ts')));

    // The Redis packages are optional peers: without them the fleet mode says what to install.
    const fleet = spawnSync('npx', ['--no-install', 'qrun', '--redis', 'redis://127.0.0.1:1'], { cwd: app, input: 'true\n', encoding: 'utf8' });
    assert.equal(fleet.status, 255);
    assert.equal(fleet.stderr, 'qrun: the fleet mode (--redis, qrun worker) needs the packages bullmq and ioredis: npm install bullmq ioredis\n');

    const cli = spawnSync('npx', ['--no-install', 'qrun', '-c', '2', '-k'], { cwd: app, input: 'echo one\necho two\n', encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.stdout, 'one\ntwo\n');
    // The installed package's own helper binary starts the jobs.
    const helped = spawnSync('npx', ['--no-install', 'qrun', '--executor', 'helper', '--log-level', 'debug'], { cwd: app, input: 'echo helped\n', encoding: 'utf8' });
    assert.equal(helped.status, 0, helped.stderr);
    assert.equal(helped.stdout, 'helped\n');
    assert.match(helped.stderr, new RegExp(`jobs start through the spawn helper ${app}/node_modules/qrun/native/bin/qrun-spawn-linux-${process.arch}`));

    const script = "import { run } from 'qrun'; const s = await run({ records: ['exit 4', 'true'] }); console.log(s.failed, s.exitCode, s.failures[0].end);";
    const lib = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8' });
    assert.equal(lib.stdout, '1 1 exit 4\n', lib.stderr);

    // A strict TypeScript caller: precise option types (wrong ones do not compile), no zod in sight.
    const tsc = (file: string) => {
      writeFileSync(
        join(app, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false, typeRoots: [join(root, 'node_modules/@types')], types: ['node'] }, files: [file] }),
      );
      return spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(app, 'tsconfig.json')], { cwd: app, encoding: 'utf8' });
    };
    writeFileSync(
      join(app, 'good.ts'),
      [
        "import { run, UsageError, type RunEvent, type RunSummary } from 'qrun';",
        'const seen: RunEvent[] = [];',
        "const summary: RunSummary = await run({ records: ['true'], concurrency: 2, timeout: '30s', killAfter: 2, output: 'line', halt: 'now,fail=1', onEvent: (e) => void seen.push(e) });",
        'const codes: number[] = summary.failures.map((f) => f.seq);',
        'export { codes, UsageError };',
      ].join('\n'),
    );
    const good = tsc('good.ts');
    assert.equal(good.status, 0, good.stdout + good.stderr);
    writeFileSync(
      join(app, 'bad.ts'),
      [
        "import { run } from 'qrun';",
        "await run({ records: ['true'], output: 'grouped' });",
        "await run({ records: ['true'], timeout: true });",
        "await run({ records: ['true'], concurrency: {} });",
        "await run({ records: ['true'], halt: 'sometimes' });",
      ].join('\n'),
    );
    const bad = tsc('bad.ts');
    assert.notEqual(bad.status, 0);
    for (const line of [2, 3, 4, 5]) assert.match(bad.stdout, new RegExp(`bad\\.ts\\(${line},\\d+\\): error TS2(322|820)`), bad.stdout);
    assert.doesNotMatch(good.stdout + bad.stdout, /zod/);
  });
});
