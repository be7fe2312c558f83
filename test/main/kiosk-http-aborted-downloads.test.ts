// The web shell's page files, when their client goes away half way: the kiosk's own node process
// (`npm run kiosk`'s web shell) closes the file it was sending. Any local process may ask for them (no
// token), so a file left open at each dropped download would let one use up the kiosk's descriptors.
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { killKioskProcess, useKioskProcess } from './kiosk-process.ts';

/** A page file far larger than a socket's buffers: the kiosk is still sending it when its client leaves. */
let bigFile: string;
const bigFileBytes = 16 * 1024 * 1024;

const { kiosk } = useKioskProcess('facepay-kiosk-http-aborted-downloads-', (rendererDir) => {
  bigFile = path.join(rendererDir, 'big.js');
  writeFileSync(bigFile, Buffer.alloc(bigFileBytes, 0x20));
});

/** The kiosk process's open descriptors on `file` (/proc/PID/fd). */
function openOn(pid: number, file: string): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) count += 1;
    } catch {
      // Closed between the listing and the read.
    }
  }
  return count;
}

/** GET `pathname` on a raw connection: once the answer has begun, the client resets the connection. */
function downloadDropped(kioskUrl: string, pathname: string): Promise<string> {
  const { hostname, port, host } = new URL(kioskUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${host}\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (!answer.includes('\r\n\r\n')) return;
      socket.removeAllListeners('data');
      socket.resetAndDestroy();
      resolve(answer.split('\r\n')[0] ?? '');
    });
  });
}

/** Polls until `check` holds or `withinMs` passes; answers the last value read. */
async function settles(read: () => number, check: (n: number) => boolean, withinMs = 3_000) {
  const deadline = Date.now() + withinMs;
  let value = read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = read();
  }
  return value;
}

describe("the web shell's page files, their client gone half way", () => {
  it('30 downloads of a 16 MiB file dropped after the first bytes: the kiosk holds the file open for none of them', async () => {
    // A whole download works, and closes the file once sent.
    const whole = await fetch(`${kiosk().url}/big.js`);
    expect(whole.status).toBe(200);
    expect((await whole.arrayBuffer()).byteLength).toBe(bigFileBytes);
    expect(
      await settles(
        () => openOn(kiosk().pid, bigFile),
        (n) => n === 0,
      ),
    ).toBe(0);

    for (let i = 0; i < 30; i += 1) {
      expect(await downloadDropped(kiosk().url, '/big.js')).toBe('HTTP/1.1 200 OK');
    }
    expect(
      await settles(
        () => openOn(kiosk().pid, bigFile),
        (n) => n === 0,
      ),
    ).toBe(0);

    // Still answering.
    expect((await fetch(`${kiosk().url}/kiosk/session`)).status).toBe(200);
    await killKioskProcess(kiosk());
  }, 60_000);
});
