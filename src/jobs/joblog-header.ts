// The joblog's format as GNU parallel writes it and reads it back: its header line, and what a row is.

/** The header line GNU parallel writes (and expects when resuming). */
export const joblogHeader = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';

const integer = /^-?\d+$/;
const decimal = /^\s*-?\d+(?:\.\d+)?$/;

/** Whether tab-cut `fields` are a joblog row: Seq, Host, Starttime, JobRuntime, Send, Receive, Exitval, Signal, Command. */
export function isJoblogRow(fields: readonly string[]): boolean {
  const [seq, host, start, runtime, send, receive, exitval, signal] = fields;
  return (
    fields.length >= 9 &&
    integer.test(seq ?? '') &&
    Number(seq) >= 1 &&
    host !== '' &&
    decimal.test(start ?? '') &&
    decimal.test(runtime ?? '') &&
    integer.test(send ?? '') &&
    integer.test(receive ?? '') &&
    integer.test(exitval ?? '') &&
    integer.test(signal ?? '')
  );
}
