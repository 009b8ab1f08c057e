// The serial monitor's logic: the port owner pauses a monitor before a job uses its port and
// resumes it after; the monitor's JSON lines turn into terminal lines (decoded or raw frames).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMonitorLine, renderMonitorLine } from '../../../client/monitor-process.js';
import { PortOwner, type Job, type PortMonitor } from '../../../client/port-owner.js';

class FakeMonitor implements PortMonitor {
  log: string[] = [];
  constructor(readonly port: string, private readonly closeMs = 20) {}
  async pause(holder: Job): Promise<void> {
    this.log.push(`pause for ${holder.kind}`);
    await new Promise((r) => setTimeout(r, this.closeMs));
    this.log.push('closed');
  }
  resume(): void { this.log.push('resume'); }
}

describe('PortOwner and serial monitors', () => {
  test('take() returns only after the monitor on the job\'s port closed it; release resumes it', async () => {
    const o = new PortOwner({ path: '/dev/pts/4' });
    const m = new FakeMonitor('/dev/pts/4');
    const other = new FakeMonitor('/dev/ttyUSB1');
    const reg = o.addMonitor(m);
    o.addMonitor(other);
    assert.equal(reg.busyWith, undefined);
    const job = await o.take('flash');
    assert.deepEqual(m.log, ['pause for flash', 'closed'], 'paused before the flash gets the port');
    assert.deepEqual(other.log, [], 'a monitor on another port is left alone');
    o.release(job);
    assert.deepEqual(m.log, ['pause for flash', 'closed', 'resume']);
    // A build takes no port: no pause.
    o.release(await o.take('build'));
    assert.equal(m.log.length, 3);
    // Gone monitors are not paused.
    reg.dispose();
    o.release(await o.take('train'));
    assert.equal(m.log.length, 3);
  });

  test('a monitor that joins while a job holds its port starts paused; a busy take() pauses nobody', async () => {
    const o = new PortOwner({ path: '/dev/pts/4' });
    const job = await o.take('train');
    const m = new FakeMonitor('/dev/pts/4');
    assert.equal(o.addMonitor(m).busyWith, job);
    await assert.rejects(o.take('flash'), /training on \/dev\/pts\/4/);
    assert.deepEqual(m.log, []);
    o.release(job);
    assert.deepEqual(m.log, ['resume']);
  });
});

describe('monitor lines', () => {
  test('text, frames and states from `tinytrain monitor --json`', () => {
    assert.deepEqual(parseMonitorLine('{"text":"tinytrain firmware (x) on stm32f405"}'), { kind: 'text', text: 'tinytrain firmware (x) on stm32f405' });
    const f = parseMonitorLine('{"message":"HELLO v1 stm32f405: arena 19.3 KB","type":"hello","seq":0,"hex":"00 a5 01"}');
    assert.deepEqual(f, { kind: 'frame', type: 'hello', text: 'HELLO v1 stm32f405: arena 19.3 KB', hex: '00 a5 01', seq: 0 });
    assert.equal(renderMonitorLine(f!, false), '\x1b[36m▸\x1b[0m \x1b[36mHELLO v1 stm32f405: arena 19.3 KB\x1b[0m\r\n');
    assert.match(renderMonitorLine(f!, true), /\[frame 0 hello\].* 00 a5 01\r\n$/);
    assert.equal(parseMonitorLine('{"state":"open","port":"/dev/pts/4","baud":115200}')!.text, 'connected to /dev/pts/4 at 115200 baud (8N1)');
    const gone = parseMonitorLine('{"state":"gone","message":"the port /dev/pts/4 went away: waiting for it to come back"}')!;
    assert.match(renderMonitorLine(gone, false), /\x1b\[33m── the port \/dev\/pts\/4 went away/);
    assert.equal(parseMonitorLine('not json'), undefined);
    assert.equal(parseMonitorLine('{"state":"weird"}'), undefined);
  });

  test('control characters from the wire never reach the terminal as escapes', () => {
    assert.equal(renderMonitorLine({ kind: 'text', text: 'a\x1b[2Jb\x07c\td' }, false), 'a[2Jbc\td\r\n');
  });
});
