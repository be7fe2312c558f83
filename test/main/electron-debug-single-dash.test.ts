// Chromium on Linux takes a switch with one dash as well as two (`-remote-debugging-port=9333` served
// /json/version), and Windows also `/` and any case: the packaged app refuses a debug switch however it is
// written, and every remote-debugging-* or inspect* switch, not only the ones it names.
import { describe, expect, it } from 'vitest';
import { refusedDebugSwitch, switchName } from '../../src/main/electron/window-policy.ts';

const app = '/opt/FacePay Kiosk/facepay-kiosk';

describe('debug switches however written', () => {
  it('refuses a single-dash, slash or upper-case debug switch, bare or with a value', () => {
    for (const arg of [
      '-remote-debugging-port=9222',
      '-remote-debugging-pipe',
      '-inspect',
      '-inspect-brk=9229',
      '--REMOTE-DEBUGGING-PORT=9222',
      '/remote-debugging-port=9222',
      '--remote-debugging-targets=x',
      '-remote-debugging-address=0.0.0.0',
      '--inspect-brk-node=9229',
      '--auto-open-devtools-for-tabs',
      '-remote-allow-origins=*',
    ]) {
      const argv = [app, '--no-sandbox', arg];
      expect(refusedDebugSwitch({ packaged: true, argv }), arg).toBe(arg.split('=')[0]);
      expect(refusedDebugSwitch({ packaged: false, argv }), arg).toBeNull();
    }
  });

  it('lets through ordinary switches, values and positional arguments', () => {
    for (const arg of [
      '--no-sandbox',
      '-config=/etc/kiosk.json',
      '--config=-inspect',
      'inspect',
      'remote-debugging-port',
      '-',
      '--',
      '--debugger-free',
    ]) {
      expect(refusedDebugSwitch({ packaged: true, argv: [app, arg] }), arg).toBeNull();
    }
    // The binary's own path is not a switch.
    expect(refusedDebugSwitch({ packaged: true, argv: ['/inspect/kiosk'] })).toBeNull();
  });

  it('reads a switch name as Chromium does', () => {
    expect(switchName('-remote-debugging-port=9222')).toBe('remote-debugging-port');
    expect(switchName('--Inspect')).toBe('inspect');
    expect(switchName('kiosk')).toBeNull();
    expect(switchName('--')).toBeNull();
  });
});
