// The rows of a finished run, read from what it left: a joblog (qrun's or GNU parallel's, with or
// without its header), a --results table (.json, .csv, .tsv) or a --log-file. Read once, as a
// stream: a joblog read from a pipe cannot be read twice.

import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { isJoblogRow, joblogHeader } from '../recording/joblog-format.js';
import { delimitedRecords, type DelimitedReader } from './delimited.js';

/** One job as a joblog row records it. */
export interface JobRow {
  readonly seq: number;
  readonly host: string;
  /** Seconds since the epoch. */
  readonly start: number;
  /** Seconds. */
  readonly runtime: number;
  readonly exitval: number;
  readonly signal: number;
  readonly command: string;
}

/** A --log-file's `metrics` record: the queue sampled during the run. */
export interface MetricsRecord {
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly queueDepth: number;
  readonly running: number;
  readonly workerWaitMs: number;
}

/** A --log-file's `run finished` record (what the report shows of it). */
export interface RunRecord {
  readonly exitCode: number | undefined;
  readonly elapsedMs: number | undefined;
  readonly workers: number | undefined;
  readonly queueCapacity: number | undefined;
  readonly workerIdleRatio: number | undefined;
  readonly producerWaitMs: number | undefined;
  readonly maxQueueDepth: number | undefined;
}

/** What one record of an input file is. */
export type ReportRecord =
  | { readonly kind: 'job'; readonly row: JobRow }
  /** A job's end in a --log-file: used only when no joblog or results table is given. */
  | { readonly kind: 'logged-job'; readonly row: JobRow }
  | { readonly kind: 'metrics'; readonly metrics: MetricsRecord } | { readonly kind: 'run'; readonly run: RunRecord };

type Format = 'joblog' | 'json' | 'csv' | 'tsv' | 'log';

/** The records of one input (`name` for messages: the file's path, or "stdin"). */
export async function* readReportRecords(stream: Readable, name: string): AsyncGenerator<ReportRecord> {
  const decoder = new StringDecoder('utf8');
  let format: Format | undefined;
  let pending = '';
  let line = 0;
  const csv = { header: true, reader: undefined as DelimitedReader | undefined };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let text = pending + decoder.write(chunk);
    if (format === undefined) {
      const firstEnd = text.indexOf('\n');
      if (firstEnd < 0 && text.length < 65536) {
        pending = text;
        continue;
      }
      format = sniff(text.slice(0, firstEnd < 0 ? text.length : firstEnd), name);
      if (format === 'csv' || format === 'tsv') csv.reader = delimitedRecords(format === 'csv' ? ',' : '\t');
    }
    pending = '';
    if (csv.reader !== undefined) {
      for (const fields of csv.reader.feed(text)) {
        line++;
        if (csv.header) {
          csv.header = false;
          continue;
        }
        yield { kind: 'job', row: tableRow(fields, name, line) };
      }
      continue;
    }
    const end = text.lastIndexOf('\n');
    pending = text.slice(end + 1);
    text = text.slice(0, end + 1);
    for (const record of text.split('\n')) {
      if (record === '' || record === '\r') continue;
      line++;
      const parsed = parseLine(format, record, name, line);
      if (parsed !== undefined) yield parsed;
    }
  }
  const rest = pending + decoder.end();
  if (format === undefined) {
    if (rest === '') return;
    format = sniff(rest, name);
    if (format === 'csv' || format === 'tsv') csv.reader = delimitedRecords(format === 'csv' ? ',' : '\t');
  }
  if (csv.reader !== undefined) {
    for (const fields of [...csv.reader.feed(rest), ...csv.reader.end()]) {
      line++;
      if (csv.header) csv.header = false;
      else yield { kind: 'job', row: tableRow(fields, name, line) };
    }
    return;
  }
  // A last line without its newline: a joblog row cut by a crash is left out, as --resume does.
  if (rest !== '' && format !== 'joblog') {
    const parsed = parseLine(format, rest, name, line + 1);
    if (parsed !== undefined) yield parsed;
  }
}

/** What the first line says the input is. */
function sniff(first: string, name: string): Format {
  const line = first.replace(/\r$/, '');
  if (line === joblogHeader || isJoblogRow(line.split('\t'))) return 'joblog';
  if (line.startsWith('{')) {
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      if ('Seq' in record) return 'json';
      if ('msg' in record && 'time' in record) return 'log';
    } catch {
      // Not JSON: said below.
    }
  }
  if (line.startsWith('Seq,Host,Starttime,JobRuntime,')) return 'csv';
  if (line.startsWith(`${joblogHeader}\t`)) return 'tsv';
  throw new UsageError(`report: ${name} line 1: not a joblog, a --results table (.json, .csv, .tsv) or a --log-file`);
}

function parseLine(format: Format, text: string, name: string, line: number): ReportRecord | undefined {
  const record = text.replace(/\r$/, '');
  switch (format) {
    case 'joblog': {
      if (record === joblogHeader) return undefined;
      const fields = record.split('\t');
      if (!isJoblogRow(fields)) throw new UsageError(`report: ${name} line ${line}: expected 9 tab-separated fields Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command`);
      return { kind: 'job', row: rowOf(fields) };
    }
    case 'json':
      return { kind: 'job', row: jsonRow(record, name, line) };
    case 'log':
      return logRecord(record, name, line);
    default:
      return undefined;
  }
}

function rowOf(fields: readonly string[]): JobRow {
  return {
    seq: Number(fields[0]),
    host: fields[1] as string,
    start: Number(fields[2]),
    runtime: Number(fields[3]),
    exitval: Number(fields[6]),
    signal: Number(fields[7]),
    // GNU parallel writes a command's newlines as NUL bytes.
    command: fields.slice(8).join('\t').replaceAll('\0', '\n'),
  };
}

function tableRow(fields: readonly string[], name: string, line: number): JobRow {
  if (!isJoblogRow(fields)) throw new UsageError(`report: ${name} record ${line}: expected the columns Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command first`);
  return { ...rowOf(fields.slice(0, 9)), command: fields[8] as string };
}

function jsonRow(text: string, name: string, line: number): JobRow {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UsageError(`report: ${name} line ${line}: not a JSON object`);
  }
  const fields = [record.Seq, record.Host, record.Starttime, record.JobRuntime, record.Send, record.Receive, record.Exitval, record.Signal].map((value) => (typeof value === 'number' ? String(value) : typeof value === 'string' ? value : ''));
  if (!isJoblogRow([...fields, ''])) throw new UsageError(`report: ${name} line ${line}: expected the fields Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command`);
  return { ...rowOf([...fields, '']), command: typeof record.Command === 'string' ? record.Command : '' };
}

function logRecord(text: string, name: string, line: number): ReportRecord | undefined {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new UsageError(`report: ${name} line ${line}: not a JSON log record`);
  }
  const time = typeof record.time === 'number' ? record.time : undefined;
  if (time === undefined) return undefined;
  const metrics = record.metrics as Record<string, unknown> | undefined;
  if (record.msg === 'metrics' && metrics !== undefined) {
    return { kind: 'metrics', metrics: { time, queueDepth: num(metrics.queueDepth) ?? 0, running: num(metrics.running) ?? 0, workerWaitMs: num(metrics.workerWaitMs) ?? 0 } };
  }
  if (record.msg === 'run finished') {
    const queue = (record.queue ?? {}) as Record<string, unknown>;
    return {
      kind: 'run',
      run: {
        exitCode: num(record.exitCode),
        elapsedMs: num(record.elapsedMs),
        workers: num(queue.workers),
        queueCapacity: num(queue.queueCapacity),
        workerIdleRatio: num(queue.workerIdleRatio),
        producerWaitMs: num(queue.producerWaitMs),
        maxQueueDepth: num(queue.maxQueueDepth),
      },
    };
  }
  // A job's end, when no joblog is given: its start is its end less its run time.
  if ((record.msg === 'job succeeded' || typeof record.msg === 'string' && record.msg.startsWith('job failed')) && typeof record.seq === 'number') {
    const runtime = (num(record.durationMs) ?? 0) / 1000;
    const signal = typeof record.signal === 'string' ? 15 : 0;
    return {
      kind: 'logged-job',
      row: {
        seq: record.seq,
        host: typeof record.host === 'string' ? record.host : ':',
        start: time / 1000 - runtime,
        runtime,
        exitval: record.timedOut === true || record.canceled === true ? -1 : (num(record.exitCode) ?? (signal === 0 ? -1 : 0)),
        signal,
        command: typeof record.cmd === 'string' ? record.cmd : '',
      },
    };
  }
  return undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
