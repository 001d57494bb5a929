// Races a promise against an AbortSignal without leaving a listener behind.

/** Resolves to the promise's value, or to `aborted` as soon as `signal` aborts. */
export function unlessAborted<T, A>(promise: Promise<T>, signal: AbortSignal, aborted: A): Promise<T | A> {
  if (signal.aborted) return Promise.resolve(aborted);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(aborted);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
