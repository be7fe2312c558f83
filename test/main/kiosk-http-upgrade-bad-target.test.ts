// A WebSocket upgrade whose request target is no URL (`GET http://[ HTTP/1.1`, which Node's parser lets
// through) is refused like any other, without a token needed: the kiosk's own node process (`npm run
// kiosk`'s web shell) stays up, its page and its kiosk API socket still answered.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pidAlive } from '../hub/process.ts';
import { exitOf, killKioskProcess, KioskSocket, useKioskProcess } from './kiosk-process.ts';

const { kiosk } = useKioskProcess('facepay-kiosk-http-upgrade-bad-target-');

/** A WebSocket upgrade to `target`, under the kiosk's own host and origin: its status line, or how it ended. */
function upgradeTo(kioskUrl: string, target: string): Promise<string> {
  const { hostname, port, host } = new URL(kioskUrl);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = '';
    socket.on('error', (error) => resolve(`error ${error.message}`));
    socket.on('close', () => resolve(answer === '' ? 'closed' : (answer.split('\r\n')[0] ?? '')));
    socket.on('connect', () =>
      socket.write(
        `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\n` +
          'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`,
      ),
    );
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  });
}

describe('a WebSocket upgrade whose request target is no URL', () => {
  it('is refused (403), and the kiosk process stays up and still answers its page and its socket', async () => {
    for (const target of ['http://[', '//[', 'http://%']) {
      const answer = await upgradeTo(kiosk().url, target);
      expect(await exitOf(kiosk())).toBe('running');
      expect(answer).toBe('HTTP/1.1 403 Forbidden');
    }
    expect(pidAlive(kiosk().pid)).toBe(true);
    expect((await fetch(`${kiosk().url}/kiosk/session`)).status).toBe(200);
    const socket = await KioskSocket.open(kiosk().url);
    expect(await socket.call('status', {})).toMatchObject({ ok: true });
    socket.close();
    await killKioskProcess(kiosk());
  }, 60_000);
});
