// execa hands a job's command line to the shell as a string, which Node writes as UTF-8: bytes of
// a record that are not UTF-8 (kept as escapes, see byte-text.ts) would reach the shell as U+FFFD.
// Such a command goes to the shell as ASCII instead, and the shell turns it back into its bytes
// and runs them: eval "$(printf '%b' '…')" (POSIX sh, dash, bash, zsh).

import { encodeText, holdsBytes } from '../byte-text.js';

/** `command` as a `-c` argument that Node passes on unchanged, running the same bytes. */
export function commandForArgv(command: string): string {
  if (!holdsBytes(command)) return command;
  let text = '';
  for (const byte of encodeText(command)) {
    // printf %b reads \\ as \ and \0nnn as the byte nnn (octal); '…' holds the rest as it is.
    if (byte === 0x5c) text += '\\\\';
    else if (byte === 0x27) text += `'\\''`;
    else if (byte >= 0x80) text += `\\0${byte.toString(8)}`;
    else text += String.fromCharCode(byte);
  }
  return `eval "$(printf '%b' '${text}')"`;
}
