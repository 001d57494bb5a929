// Writes the man page dist/man/qrun.1 from the same option list and text as `qrun --help`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { describeOptions, helpEpilogue } from '../dist/src/cli/program.js';
import { version } from '../dist/src/version.js';

/** roff: backslashes and leading dots or quotes would be read as requests. */
const roff = (text) => text.replaceAll('\\', '\\e').replaceAll('-', '\\-').replace(/^([.'])/gm, '\\&$1');

const groups = new Map();
for (const option of describeOptions()) {
  if (!groups.has(option.group)) groups.set(option.group, []);
  groups.get(option.group).push(option);
}
// Version and help last, as in --help.
const ordered = [...groups].sort(([a], [b]) => Number(a === 'Other:') - Number(b === 'Other:'));
const sections = ordered.map(([heading, options]) => [
  `.SS ${roff(heading.replace(/:$/, ''))}`,
  ...options.flatMap((option) => [
    '.TP',
    `.B ${roff([option.short, option.long].filter(Boolean).join(', '))}${option.value ? ` \\fI${roff(option.value)}\\fR` : ''}`,
    roff(option.description),
  ]),
].join('\n'));

// The examples and exit-status text of --help, each paragraph as a section.
const epilogue = helpEpilogue.trim().split(/\n(?=[A-Z])/).map((block) => {
  const [title, ...body] = block.split('\n');
  const [head, rest] = title.split(/:\s*/, 2);
  return [`.SH ${roff(head.toUpperCase())}`, '.nf', ...(rest ? [roff(rest)] : []), ...body.map((line) => roff(line.replace(/^ {2}/, ''))), '.fi'].join('\n');
});

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
