// One real listener per stream and event, shared by every run and write that waits on it.

import type { EventEmitter } from 'node:events';

type Handler = (...args: unknown[]) => void;

const streams = new WeakMap<EventEmitter, Map<string, Set<Handler>>>();

/**
 * Calls `handler` on each `event` of `stream` until the returned function is called. Many
 * library runs (and their pending writes) share process.stdout: one listener each would trip
 * Node's MaxListenersExceededWarning; here the stream holds one listener per event.
 */
export function listen(stream: EventEmitter, event: string, handler: Handler): () => void {
  let events = streams.get(stream);
  if (!events) {
    events = new Map();
    streams.set(stream, events);
  }
  let handlers = events.get(event);
  if (!handlers) {
    const set = new Set<Handler>();
    handlers = set;
    events.set(event, set);
    const dispatch = (...args: unknown[]): void => {
      for (const each of [...set]) each(...args);
    };
    stream.on(event, dispatch);
    dispatchers.set(set, dispatch);
  }
  const set = handlers;
  set.add(handler);
  return () => {
    if (!set.delete(handler) || set.size > 0) return;
    stream.off(event, dispatchers.get(set) as Handler);
    events.delete(event);
  };
}

const dispatchers = new WeakMap<Set<Handler>, Handler>();
