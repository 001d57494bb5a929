import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Shutdown } from '../../../src/shutdown/shutdown.js';

describe('Shutdown', () => {
  it('first signal stops, second kills; listeners are removed on dispose', () => {
    const signals = new EventEmitter();
    const phases: string[] = [];
    const shutdown = new Shutdown(signals, (phase, reason) => phases.push(`${phase}:${reason}`));
    assert.equal(signals.listenerCount('SIGINT'), 1);
    signals.emit('SIGTERM');
    assert.equal(shutdown.stop.aborted, true);
    assert.equal(shutdown.kill.aborted, false);
    assert.equal(shutdown.interruptedBy, 'SIGTERM');
    signals.emit('SIGINT');
    assert.equal(shutdown.kill.aborted, true);
    assert.equal(shutdown.interruptedBy, 'SIGTERM', 'the first signal decides the exit status');
    assert.deepEqual(phases, ['stop:SIGTERM', 'kill:SIGINT']);
    shutdown.dispose();
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) assert.equal(signals.listenerCount(name), 0);
  });

  it('a failure stops and kills at once and keeps the first message', () => {
    const shutdown = new Shutdown(undefined);
    shutdown.fail(new Error('disk full\nmore'));
    shutdown.fail(new Error('second'));
    assert.deepEqual([shutdown.stop.aborted, shutdown.kill.aborted, shutdown.failure], [true, true, 'disk full']);
    assert.equal(shutdown.interruptedBy, undefined);
  });

  it('follows an external AbortSignal like a first SIGINT', () => {
    const controller = new AbortController();
    const shutdown = new Shutdown(undefined);
    shutdown.follow(controller.signal);
    controller.abort();
    assert.deepEqual([shutdown.stop.aborted, shutdown.kill.aborted, shutdown.interruptedBy], [true, false, 'SIGINT']);
  });
});
