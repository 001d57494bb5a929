// --results DIR in GNU parallel's layout: DIR/1/<value>/2/<value>/{seq,stdout,stderr} (header names
// instead of numbers with --header), or a path made from replacement strings (`out/{1}/{2}`: the
// job's stdout in that file, stderr in `.err`, its number in `.seq`; a path ending in / is a
// directory holding the three). The output goes there only, not to stdout, as GNU's does.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { decodeBytes, encodeText } from '../byte-text.js';
import { UsageError, messageOf } from '../errors.js';
import type { Job, JobResult } from '../jobs/job.js';
import { parseTemplate, renderPlain, type Template } from '../jobs/template.js';
import { outputFiles, type OutputFiles, type ResultFiles, type Results } from './results.js';

/** A job's three files. */
interface JobPaths {
  readonly stdout: string;
  readonly stderr: string;
  readonly seq: string;
}

/** Writes each job's output into GNU parallel's results tree as it comes. */
export class GnuResults implements Results {
  readonly replacesOutput = true;
  private readonly open = new Map<number, { entry: OutputFiles; paths: JobPaths }>();
  private readonly template: Template | undefined;
  /** Every file of the results stays under this directory (a value of `..` cannot lead out). */
  private readonly root: string;

  /** `names`: --header's names for the input sources' columns. */
  constructor(
    private readonly target: string,
    private readonly names: readonly string[],
  ) {
    const template = parseTemplate([target], false, names);
    this.template = template.some((part) => !('text' in part)) ? template : undefined;
    // The part of the name before the first replacement string is fixed: the tree's root is its
    // directory (`out/{1}` is under out/, `par_{}_x` under the current one).
    const fixed = this.template === undefined ? target : target.slice(0, target.indexOf('{'));
    this.root = resolve(this.template === undefined || fixed.endsWith('/') ? fixed || '.' : dirname(fixed || '.'));
    if (this.template !== undefined) return;
    try {
      mkdirSync(target, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new UsageError(`--results '${target}' cannot be created: ${messageOf(error)}`);
    }
  }

  /** Starts (or, for a retry, restarts) a job's stdout and stderr files. */
  start(job: Job): ResultFiles {
    this.discard(job);
    const paths = this.pathsOf(job);
    const { entry, files } = outputFiles(() => {
      for (const path of [paths.stdout, paths.stderr, paths.seq]) this.checkInside(path);
      // Paths as bytes: a value that is not UTF-8 names its directory with its own bytes, as GNU parallel.
      mkdirSync(encodeText(dirname(paths.stdout)), { recursive: true, mode: 0o700 });
      return [openSync(encodeText(paths.stdout), 'w', 0o600), openSync(encodeText(paths.stderr), 'w', 0o600)];
    });
    this.open.set(job.seq, { entry, paths });
    return files;
  }

  /** Writes the job's number into its `seq` file and closes its files; throws if any of it could not be written. */
  finish(result: JobResult): void {
    const held = this.open.get(result.job.seq);
    this.discard(result.job);
    try {
      if (held === undefined) throw new Error('no output files');
      if (held.entry.error !== undefined) throw held.entry.error;
      const fd = openSync(encodeText(held.paths.seq), 'w', 0o600);
      try {
        writeSync(fd, String(result.job.seq));
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw new Error(`cannot write results in '${this.target}': ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, { cause: error });
    }
  }

  /** Closes a job's files without its `seq` file (its output was lost). */
  discard(job: Job): void {
    const held = this.open.get(job.seq);
    if (held === undefined) return;
    this.open.delete(job.seq);
    for (const fd of held.entry.fds) if (fd >= 0) closeSync(fd);
  }

  private pathsOf(job: Job): JobPaths {
    const args = job.args ?? [job.record];
    if (this.template !== undefined) {
      const path = renderPlain(this.template, job.record, job.seq, args);
      if (path.endsWith('/')) return { stdout: join(path, 'stdout'), stderr: join(path, 'stderr'), seq: join(path, 'seq') };
      return { stdout: path, stderr: `${path}.err`, seq: `${path}.seq` };
    }
    // Each argument is a level: its source's number (or --header name), then its value; levels in
    // the order of their names, numbers first (as GNU parallel sorts them).
    const levels = args.map((value, i) => ({ name: this.names[i] ?? String(i + 1), value })).sort((a, b) => headerOrder(a.name, b.name));
    const dir = join(this.target, ...levels.flatMap(({ name, value }) => [component(name), component(value)]));
    return { stdout: join(dir, 'stdout'), stderr: join(dir, 'stderr'), seq: join(dir, 'seq') };
  }

  private checkInside(path: string): void {
    const full = resolve(path);
    if (full !== this.root && !full.startsWith(this.root.endsWith(sep) ? this.root : this.root + sep)) {
      throw new Error(`the path '${path}' made from the job's values leads out of '${this.root}'`);
    }
  }
}

/**
 * A value as one path component, as GNU parallel writes it: `\` becomes `\\`, a tab `\t`, a NUL
 * `\0`, a slash `\_`; cut to 255 bytes (a longer file name cannot be made), never inside a character.
 */
function component(value: string): string {
  const name = value.replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\0', '\\0').replaceAll('/', '\\_');
  const bytes = encodeText(name);
  if (bytes.length <= 255) return name;
  let end = 255;
  // The first byte left out continues a character: leave out the whole character.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return decodeBytes(bytes, 0, end);
}

/** Perl's `$a <=> $b or $a cmp $b` on header names: by the number each starts with (none: 0), then as text. */
function headerOrder(a: string, b: string): number {
  const number = (name: string): number => Number(/^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(name)?.[0] ?? 0);
  return number(a) - number(b) || (a < b ? -1 : a > b ? 1 : 0);
}
