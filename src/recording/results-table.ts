// --results <file>.json / .csv / .tsv (or -.json… for stdout): one row per job in GNU parallel's
// format, written as each job is recorded. A job's output waits in two private files until then,
// and is copied into its row in chunks: no job's output is ever held whole in memory.

import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeText } from '../byte-text.js';
import { UsageError, messageOf } from '../errors.js';
import type { Job, JobResult } from '../jobs/job.js';
import { joblogColumnNames, joblogColumns } from './joblog-format.js';
import { StreamWriteError } from '../output/serial-writer.js';
import type { PrivateDir } from '../private-dir.js';
import { outputFiles, type OutputFiles, type ResultFiles, type Results } from './results.js';

/** The formats GNU parallel picks by the name's extension. */
export type TableFormat = 'json' | 'csv' | 'tsv';

/** The table format `--results <target>` asks for, or undefined for a directory. */
export function tableFormat(target: string): TableFormat | undefined {
  const extension = /\.(json|csv|tsv)$/i.exec(target)?.[1]?.toLowerCase();
  return extension as TableFormat | undefined;
}

/** `--results -.json` (or .csv, .tsv): the table goes to stdout, as GNU parallel's. */
export function isStdoutTable(target: string): boolean {
  return /^-\.(json|csv|tsv)$/i.test(target);
}

/** Where the rows go: bytes, in order (a promise: the next waits for it). */
export type RowSink = (bytes: Buffer) => void | Promise<void>;

/** A --results file opened for writing (truncated), rows written synchronously. */
export function resultsFile(path: string): { readonly sink: RowSink; readonly close: () => void } {
  let fd: number;
  try {
    fd = openSync(path, 'w', 0o600);
  } catch (error) {
    throw new UsageError(`--results '${path}' cannot be written: ${messageOf(error)}`);
  }
  return {
    sink: (bytes) => {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
    },
    close: () => closeSync(fd),
  };
}

const chunkSize = 64 * 1024;

/** Writes the rows of one --results table. */
export class ResultsTable implements Results {
  readonly replacesOutput = true;
  private readonly open = new Map<number, OutputFiles>();
  private headerDone = false;

  constructor(
    private readonly format: TableFormat,
    private readonly sink: RowSink,
    private readonly dir: PrivateDir,
    /** --header: the CSV/TSV header names the arguments so (otherwise V1, V2…). */
    private readonly names: readonly string[] = [],
  ) {}

  start(job: Job): ResultFiles {
    this.discard(job);
    const { entry, files } = outputFiles(() => {
      const base = join(this.dir.path(), `results-${job.seq}`);
      const fds: [number, number] = [-1, -1];
      try {
        for (const [index, path] of [`${base}.out`, `${base}.err`].entries()) {
          fds[index] = openSync(path, 'w+', 0o600);
          // Nameless from now on: the file goes when its descriptor is closed, whatever happens.
          unlinkSync(path);
        }
        return fds;
      } catch (error) {
        for (const fd of fds) if (fd >= 0) closeSync(fd);
        throw error;
      }
    });
    this.open.set(job.seq, entry);
    return files;
  }

  async finish(result: JobResult): Promise<void> {
    const entry = this.open.get(result.job.seq);
    try {
      if (entry?.error !== undefined) throw entry.error;
      const fds = entry?.fds ?? [-1, -1];
      await (this.format === 'json' ? this.jsonRow(result, fds) : this.csvRow(result, fds));
    } catch (error) {
      // stdout (`-.json`) that fails is qrun's stdout failing: reported as such.
      if (error instanceof StreamWriteError) throw error;
      throw new Error(`cannot write --results: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`, { cause: error });
    } finally {
      this.discard(result.job);
    }
  }

  discard(job: Job): void {
    const entry = this.open.get(job.seq);
    if (entry === undefined) return;
    this.open.delete(job.seq);
    for (const fd of entry.fds) if (fd >= 0) closeSync(fd);
  }

  private async jsonRow(result: JobResult, fds: readonly [number, number]): Promise<void> {
    const c = joblogColumns(result);
    const values = argsOf(result.job).map((value) => `"${jsonQuoted(value)}"`).join(',');
    const head = `{ "Seq": ${c.seq}, "Host": "${jsonQuoted(c.host)}", "Starttime": ${c.starttime}, "JobRuntime": ${c.runtime}, "Send": ${c.send}, "Receive": ${c.receive}, "Exitval": ${c.exitval}, "Signal": ${c.signo}, "Command": "${jsonQuoted(c.command)}", "V": [ ${values} ], "Stdout": "`;
    await this.sink(encodeText(head));
    await this.copy(fds[0], (text) => jsonQuoted(text));
    await this.sink(Buffer.from('", "Stderr": "'));
    await this.copy(fds[1], (text) => jsonQuoted(text));
    await this.sink(Buffer.from('" }\n'));
  }

  private async csvRow(result: JobResult, fds: readonly [number, number]): Promise<void> {
    const separator = this.format === 'csv' ? ',' : '\t';
    const args = argsOf(result.job);
    if (!this.headerDone) {
      this.headerDone = true;
      const names = [...joblogColumnNames, ...args.map((_, i) => this.names[i] ?? `V${i + 1}`), 'Stdout', 'Stderr'];
      await this.sink(Buffer.from(`${names.map((name) => csvField(name, separator)).join(separator)}\n`));
    }
    const c = joblogColumns(result);
    const fields = [c.seq, c.host, c.starttime, c.runtime, c.send, c.receive, c.exitval, c.signo, c.command, ...args];
    await this.sink(encodeText(`${fields.map((field) => csvField(String(field), separator)).join(separator)}${separator}`));
    await this.csvOutput(fds[0], separator);
    await this.sink(Buffer.from(separator));
    await this.csvOutput(fds[1], separator);
    await this.sink(Buffer.from('\n'));
  }

  /** A job's output as one CSV field: quoted (and its quotes doubled) when it holds what needs it. */
  private async csvOutput(fd: number, separator: string): Promise<void> {
    let quote = false;
    await this.readAll(fd, (text) => {
      if (!quote && needsQuotes(text, separator)) quote = true;
    });
    if (!quote) return this.copy(fd, (text) => text);
    await this.sink(Buffer.from('"'));
    await this.copy(fd, (text) => text.replaceAll('"', '""'));
    await this.sink(Buffer.from('"'));
  }

  /** Streams the file at `fd` from its start through `transform` (on latin1 text: bytes stay bytes) into the sink. */
  private async copy(fd: number, transform: (text: string) => string): Promise<void> {
    const pieces: string[] = [];
    await this.readAll(fd, (text) => void pieces.push(transform(text)), async () => {
      await this.sink(Buffer.from(pieces.join(''), 'latin1'));
      pieces.length = 0;
    });
  }

  /** Reads the file at `fd` from its start in chunks; `after` runs after each chunk. */
  private async readAll(fd: number, each: (text: string) => void, after?: () => Promise<void>): Promise<void> {
    if (fd < 0) return;
    const buffer = Buffer.allocUnsafe(chunkSize);
    for (let at = 0; ; ) {
      const got = readSync(fd, buffer, 0, chunkSize, at);
      if (got === 0) return;
      at += got;
      each(buffer.toString('latin1', 0, got));
      await after?.();
    }
  }
}

/** The job's arguments as GNU parallel lists them (V, V1…): its input values, or the record. */
function argsOf(job: Job): readonly string[] {
  return job.cut ?? job.args ?? [job.record];
}

/** GNU parallel's JSON quoting: backslash, double quote and control characters escaped; other bytes as they are. */
function jsonQuoted(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\\"\u0000-\u001f]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Whether a CSV/TSV field must be quoted, as GNU parallel decides: a quote, white space, the separator or NUL. */
function needsQuotes(text: string, separator: string): boolean {
  // Perl's \s on bytes: space, \t \n \v \f \r (not U+0085 or U+00A0, which JavaScript's \s has).
  // eslint-disable-next-line no-control-regex
  return /["\t\n\v\f\r \u0000]/.test(text) || text.includes(separator);
}

function csvField(text: string, separator: string): string {
  return needsQuotes(text, separator) ? `"${text.replaceAll('"', '""')}"` : text;
}
