// --env: the variables of qrun's own environment copied into each job's, by name, as GNU parallel
// copies them to remote jobs. Locally jobs inherit them anyway; through --redis they travel with
// each job to the worker that runs it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The variables `names` asks for, with their values in `env`; `_` is all of them but those in
 * GNU parallel's ignore list (`~/.parallel/ignored_vars`, written by `parallel --record-env`).
 * `never` are not copied at all (qrun's Redis connection settings: a password would be stored in
 * Redis). A name not in `env` is left out, as GNU parallel does.
 */
export function copiedEnv(names: readonly string[], env: NodeJS.ProcessEnv, never: readonly string[], ignored: () => readonly string[] = () => ignoredVars(env.HOME)): Record<string, string> {
  if (names.length === 0) return {};
  const refused = new Set<string>(never);
  const wanted = names.includes('_') ? Object.keys(env).filter((name) => !new Set(ignored()).has(name)) : names;
  const copied: Record<string, string> = {};
  for (const name of wanted) {
    const value = env[name];
    if (value !== undefined && !refused.has(name)) copied[name] = value;
  }
  return copied;
}

/** GNU parallel's list of variables `--env _` leaves out, one per line (none when the file is missing). */
function ignoredVars(home: string | undefined): readonly string[] {
  if (home === undefined) return [];
  try {
    return readFileSync(join(home, '.parallel', 'ignored_vars'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}
