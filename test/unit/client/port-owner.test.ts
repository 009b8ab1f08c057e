// The one owner of the serial port: one job at a time, phases only forward (the monitor only
// after the flash), Stop aborts whatever holds the port, the port cannot change under a job.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeJob, PortBusyError, PortOwner, portStatusText } from '../../../client/port-owner.js';

describe('PortOwner', () => {
  test('one job at a time; the port is the selected one (never any port)', () => {
    const o = new PortOwner({ path: '/dev/ttyUSB0' });
    const b = o.begin('build');
    assert.equal(b.port, undefined, 'a build does not take the port');
    assert.throws(() => o.begin('flash'), PortBusyError);
    o.release(b);
    const f = o.begin('flash');
    assert.equal(f.port, '/dev/ttyUSB0');
    assert.throws(() => o.begin('train'), (e: unknown) => e instanceof PortBusyError && /flashing on \/dev\/ttyUSB0/.test((e as Error).message));
    o.release(f);
    assert.equal(o.current, undefined);
    const t = o.begin('train');
    assert.equal(t.port, '/dev/ttyUSB0');
  });

  test('without a selected port a job has none', () => {
    const o = new PortOwner();
    assert.equal(o.begin('flash').port, undefined);
  });

  test('phases move build -> flash -> monitor, never back; flash and build never monitor', () => {
    const o = new PortOwner({ path: '/dev/pts/3' });
    const t = o.begin('train');
    assert.equal(t.phase, 'build');
    o.advance(t, 'flash');
    assert.equal(t.phase, 'flash');
    assert.match(describeJob(t), /flashing/);
    o.advance(t, 'monitor');
    assert.equal(t.phase, 'monitor');
    assert.throws(() => o.advance(t, 'flash'), /cannot go back/);
    o.release(t);
    const f = o.begin('flash');
    assert.throws(() => o.advance(f, 'monitor'), /does not open a monitor/);
    o.release(f);
    const b = o.begin('build');
    assert.throws(() => o.advance(b, 'flash'), /does not use the port/);
    o.release(b);
  });

  test('advancing or releasing a job that no longer owns the port does nothing', () => {
    const o = new PortOwner({ path: '/dev/pts/3' });
    const a = o.begin('train');
    o.release(a);
    const b = o.begin('flash');
    o.advance(a, 'monitor');
    assert.equal(a.phase, 'build');
    o.release(a);
    assert.equal(o.current, b);
  });

  test('Stop aborts whatever owns the port (build, flash or training)', () => {
    const o = new PortOwner({ path: '/dev/pts/3' });
    assert.equal(o.stop(), false);
    for (const kind of ['build', 'flash', 'train'] as const) {
      const j = o.begin(kind);
      let aborted = false;
      j.controller.signal.addEventListener('abort', () => { aborted = true; });
      assert.equal(o.stop(), true);
      assert.ok(aborted && j.controller.signal.aborted, kind);
      o.release(j);
    }
  });

  test('Flash closes a training monitor first (after asking), refuses mid-build or mid-flash', async () => {
    const o = new PortOwner({ path: '/dev/pts/3' });
    assert.equal(o.flashNeeds(), 'free');
    const t = o.begin('train');
    assert.equal(o.flashNeeds(), 'busy', 'a run still building/flashing is not interrupted silently');
    o.advance(t, 'monitor');
    assert.equal(o.flashNeeds(), 'close-monitor');
    t.controller.signal.addEventListener('abort', () => setTimeout(() => o.release(t), 20));
    const idle = o.whenIdle(1000);
    o.stop();
    assert.equal(await idle, true);
    assert.equal(o.flashNeeds(), 'free');
    o.begin('flash');
    assert.equal(o.flashNeeds(), 'busy');
    assert.equal(await o.whenIdle(30), false, 'times out while held');
  });

  test('the port cannot change under a job that uses it; changes are announced', () => {
    const o = new PortOwner({ path: '/dev/pts/3' });
    let changes = 0;
    o.onChange(() => changes++);
    const b = o.begin('build');
    o.select({ path: '/dev/pts/4' }); // a build holds no port
    assert.equal(o.port?.path, '/dev/pts/4');
    o.release(b);
    const f = o.begin('flash');
    assert.throws(() => o.select({ path: '/dev/pts/5' }), PortBusyError);
    assert.equal(o.port?.path, '/dev/pts/4');
    o.release(f);
    assert.ok(changes >= 4, String(changes));
  });

  test('status bar text', () => {
    assert.equal(portStatusText(undefined, undefined), '$(plug) No serial port');
    assert.equal(portStatusText({ path: '/dev/pts/3', virtual: true }, undefined), '$(plug) /dev/pts/3 (virtual)');
    assert.equal(portStatusText({ path: '/dev/ttyACM0' }, { kind: 'train', phase: 'monitor' }), '$(sync~spin) /dev/ttyACM0 · training');
    assert.equal(portStatusText({ path: '/dev/ttyACM0' }, { kind: 'flash', phase: 'flash' }), '$(sync~spin) /dev/ttyACM0 · flashing');
  });
});
