import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Shutdown } from '../../../src/shutdown/shutdown.js';
import { ManualClock } from '../fakes/fakes.js';

describe('Shutdown', () => {
  it('first signal stops, second kills; listeners are removed on dispose', () => {
    const signals = new EventEmitter();
    const phases: string[] = [];
    const shutdown = new Shutdown(signals);
    shutdown.onPhase((phase, reason) => phases.push(`${phase}:${reason}`));
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

  it('--grace: the first signal starts it; when it ends, running jobs are killed; a second signal ends it early', async () => {
    const signals = new EventEmitter();
    const phases: string[] = [];
    const clock = new ManualClock();
    const shutdown = new Shutdown(signals, 30, clock);
    shutdown.onPhase((phase, reason) => phases.push(`${phase}:${reason}`));
    signals.emit('SIGINT');
    assert.equal(shutdown.graceEndsAt, clock.now() + 30);
    await clock.advance(29);
    assert.equal(shutdown.kill.aborted, false);
    await clock.advance(1);
    assert.deepEqual(phases, ['stop:SIGINT', 'kill:grace']);
    assert.equal(shutdown.graceEndsAt, undefined);
    shutdown.dispose();

    const early = new Shutdown(signals, 10_000, clock);
    signals.emit('SIGTERM');
    signals.emit('SIGTERM');
    assert.equal(early.kill.aborted, true);
    assert.equal(early.graceEndsAt, undefined, 'the timer is cleared');
    assert.equal(clock.pending, 0);
    early.dispose();
  });

  it('--grace 0 terminates at once; no grace (unlimited) never does by itself; --halt soon starts none', () => {
    const now = new Shutdown(undefined, 0);
    now.interrupt('SIGINT');
    assert.equal(now.kill.aborted, true);
    const patient = new Shutdown(undefined, undefined);
    patient.interrupt('SIGINT');
    assert.deepEqual([patient.kill.aborted, patient.graceEndsAt], [false, undefined]);
    const halted = new Shutdown(undefined, 1000);
    halted.halt(false);
    assert.equal(halted.graceEndsAt, undefined);
    halted.dispose();
  });
});
