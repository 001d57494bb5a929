// Whether a stream gets colour: NO_COLOR, FORCE_COLOR and TERM=dumb, as most terminal tools read them.

/** A stream as far as colour cares. */
export interface ColorTarget {
  readonly isTTY?: boolean | undefined;
}

/**
 * NO_COLOR (any non-empty value) wins, then FORCE_COLOR (anything but 0/false), then a dumb
 * terminal says no; otherwise colour exactly when the stream is a terminal.
 */
export function wantsColor(stream: ColorTarget, env: NodeJS.ProcessEnv): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !/^(0|false)$/i.test(force);
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

/** Paints text, or leaves it as is when colour is off. */
export interface Paint {
  readonly red: (text: string) => string;
  readonly green: (text: string) => string;
  readonly yellow: (text: string) => string;
  readonly dim: (text: string) => string;
}

const sgr = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

/** ANSI colours when `on`, plain text otherwise. */
export function paint(on: boolean): Paint {
  if (!on) return { red: same, green: same, yellow: same, dim: same };
  return { red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), dim: sgr(2, 22) };
}

function same(text: string): string {
  return text;
}
