// `qrun report <file…>`: a run's report from its joblog, --results table or --log-file.

import { Command } from 'commander';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { UsageError, messageOf } from '../errors.js';
import { parseSubcommand } from './fleet-options.js';
import { readRun, type ReportInput } from '../run-report/read-run.js';
import { loadPageAssets, reportHtml } from '../run-report/report-html.js';
import { reportModel } from '../run-report/report-model.js';
import { reportText } from '../run-report/report-text.js';
import { writeReportFile } from '../run-report/write-report.js';

/** What `qrun report` reads and writes. */
export interface ReportIO {
  readonly stdin: Readable;
  readonly stdinTerminal: boolean;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** Runs `qrun report` (the words after "report"); its exit status. */
export async function reportMain(argv: readonly string[], io: ReportIO): Promise<number> {
  const program = new Command('qrun report')
    .description('Make a report of a finished run: one self-contained HTML page (or text at a terminal) from its joblog (qrun\'s or GNU parallel\'s), --results table (.json, .csv, .tsv) and/or --log-file. "-" reads stdin.')
    .argument('[files...]', 'the run\'s joblog, results table, log file (default: stdin)')
    .helpOption('-h, --help', 'show this help and exit')
    .option('-o, --output <file>', 'where the HTML page goes; - is stdout, as text when it is a terminal (default: -)', '-')
    .option('--text', 'plain text instead of HTML')
    .option('--title <text>', 'the report\'s title (default: the files\' names)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: () => undefined, outputError: () => undefined });
  if (!parseSubcommand(program, argv, 'report')) return 0;
  const options = program.opts<{ output: string; text?: boolean; title?: string }>();
  const files = program.args.length > 0 ? program.args : ['-'];
  if (files.filter((file) => file === '-').length > 1) throw new UsageError('report: stdin (-) can be read only once');
  if (files.includes('-') && io.stdinTerminal) throw new UsageError('report: give the run\'s joblog, results table or log file (or pipe one in)');
  const inputs: ReportInput[] = files.map((file) => ({ name: file === '-' ? 'stdin' : file, open: () => (file === '-' ? io.stdin : createReadStream(file)) }));
  const data = await readRun(inputs);
  const model = reportModel(data, options.title ?? `qrun report: ${files.map((file) => (file === '-' ? 'stdin' : file)).join(', ')}`);
  const toStdout = options.output === '-';
  const asText = options.text === true || (toStdout && (io.stdout as { isTTY?: boolean }).isTTY === true);
  const page = asText ? reportText(model) : reportHtml(model, loadPageAssets());
  if (toStdout) {
    await new Promise<void>((resolve) => io.stdout.write(page, () => resolve()));
    return 0;
  }
  try {
    writeReportFile(options.output, page);
  } catch (error) {
    throw new UsageError(`report: --output '${options.output}' cannot be written: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
  }
  io.stderr.write(`qrun: report of ${model.jobs} job${model.jobs === 1 ? '' : 's'} written to ${options.output}\n`);
  return 0;
}
