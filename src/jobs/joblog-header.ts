// The first line of a joblog, as GNU parallel writes it and expects when resuming.

/** The header line GNU parallel writes (and expects when resuming). */
export const joblogHeader = 'Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand';
