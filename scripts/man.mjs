// Writes the man page dist/man/qrun.1 from the same option list and text as `qrun --help`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { describeOptions, environmentNames, helpCommands, helpExamples, helpSections } from '../dist/src/cli/program.js';
import { version } from '../dist/src/version.js';

/** roff: backslashes and leading dots or quotes would be read as requests. */
const roff = (text) => text.replaceAll('\\', '\\e').replaceAll('-', '\\-').replace(/^([.'])/gm, '\\&$1');

const groups = new Map();
for (const option of describeOptions()) {
  if (!groups.has(option.group)) groups.set(option.group, []);
  groups.get(option.group).push(option);
}
// Version and help last, as in --help; -h is commander's own, so it is added here.
const ordered = [...groups].sort(([a], [b]) => Number(a === 'Other:') - Number(b === 'Other:'));
const item = (term, text) => ['.TP', term, roff(text)];
const sections = ordered.map(([heading, options]) => [
  `.SS ${roff(heading.replace(/:$/, ''))}`,
  ...options.flatMap((option) => item(`.B ${roff([option.short, option.long].filter(Boolean).join(', '))}${option.value ? ` \\fI${roff(option.value)}\\fR` : ''}`, option.description)),
  ...(heading === 'Other:' ? item('.B \\-h, \\-\\-help', 'print this help and exit') : []),
].join('\n'));

// The sections after the options, from the same text as --help: each a heading and a filled paragraph.
const epilogue = [
  '.SH EXAMPLES',
  ...helpExamples.flatMap(([command, what]) => item(`.B ${roff(command)}`, what)),
  ...helpSections.flatMap(([heading, text]) => [`.SH ${roff(heading.toUpperCase())}`, roff(text)]),
  '.SH COMMANDS',
  ...helpCommands.flatMap(([command, what]) => item(`.B ${roff(command)}`, what)),
  '.SH ENVIRONMENT',
  roff('Every option with a long name can be set as QRUN_<OPTION>; the command line wins. Switches take 1/true/yes/on or 0/false/no/off (QRUN_KEEP_ORDER=1).'),
  '.PP',
  roff(environmentNames().join(' ')),
];

const page = `.TH QRUN 1 "" "qrun ${version}" "User Commands"
.SH NAME
qrun \\- run shell command lines N at a time (a GNU parallel and xargs \\-P alternative)
.SH SYNOPSIS
.B qrun
[\\fIoptions\\fR] [\\fB\\-\\-\\fR] [\\fIcommand template\\fR...]
.br
.B qrun worker
\\fB\\-\\-redis\\fR \\fIurl\\fR [\\fIoptions\\fR]
.br
.B qrun completion
\\fBbash\\fR|\\fBzsh\\fR|\\fBfish\\fR
.SH DESCRIPTION
qrun reads job records (lines, NUL\\-separated records or NDJSON objects) from stdin or files into a
bounded queue and runs each as \\fB/bin/sh \\-c\\fR \\fIrecord\\fR (or substituted into a command
template), at most N at a time, each in its own process group under an optional timeout.
The first SIGINT or SIGTERM stops starting jobs and gives running ones \\fB\\-\\-grace\\fR to finish;
a second one terminates them. Every option can also be set as an environment variable
QRUN_\\fIOPTION\\fR (QRUN_CONCURRENCY=4); the command line wins.
.SH OPTIONS
${sections.join('\n')}
${epilogue.join('\n')}
.SH SEE ALSO
.BR parallel (1),
.BR xargs (1)
`;
mkdirSync('dist/man', { recursive: true });
writeFileSync('dist/man/qrun.1', page);
