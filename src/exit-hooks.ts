// One process-wide 'exit' listener for every run's last-resort cleanup (any number of concurrent runs).

type Hook = () => void;

const hooks = new Set<Hook>();
let listening = false;

function runHooks(): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // The process is exiting: one failed cleanup must not stop the others.
    }
  }
}

/**
 * Runs `hook` if the process exits before the returned function is called (which removes it).
 * One listener serves all hooks, so a library user may start many runs at once without
 * MaxListenersExceededWarning; it is removed when the last hook is.
 */
export function atProcessExit(hook: Hook): () => void {
  hooks.add(hook);
  if (!listening) {
    process.on('exit', runHooks);
    listening = true;
  }
  return () => {
    hooks.delete(hook);
    if (hooks.size === 0 && listening) {
      process.off('exit', runHooks);
      listening = false;
    }
  };
}
