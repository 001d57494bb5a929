// Reads a run's files (joblogs, --results tables, --log-files) into RunData, each once.

import type { Readable } from 'node:stream';
import { UsageError, messageOf } from '../errors.js';
import { readReportRecords } from './job-rows.js';
import { RunData } from './run-data.js';

/** One input: a name for messages, and a way to open it (called once, when its turn comes). */
export interface ReportInput {
  readonly name: string;
  readonly open: () => Readable;
}

/**
 * The run the inputs describe. Jobs come from the joblogs and tables; a --log-file adds the queue's
 * samples, and its job records stand in for a joblog only when none is given.
 */
export async function readRun(inputs: readonly ReportInput[]): Promise<RunData> {
  const data = new RunData();
  const logged = new RunData();
  for (const input of inputs) {
    try {
      await readInto(input, data, logged);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`report: cannot read ${input.name}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
    }
  }
  if (data.count > 0 || logged.count === 0) return data;
  logged.run = data.run;
  for (const sample of data.samples) logged.addSample(sample);
  return logged;
}

async function readInto(input: ReportInput, data: RunData, logged: RunData): Promise<void> {
    for await (const record of readReportRecords(input.open(), input.name)) {
      switch (record.kind) {
        case 'job':
          data.addJob(record.row);
          break;
        case 'logged-job':
          logged.addJob(record.row);
          break;
        case 'metrics':
          data.addSample(record.metrics);
          break;
        case 'run':
          data.run = record.run;
          break;
      }
    }
}
