// A client that breaks its own connection to the kiosk's local HTTP server ends that connection only: the
// kiosk's own node process (`npm run kiosk`'s web shell) stays up, its page and its till still answered.
// A refused WebSocket upgrade reset by its client (no token needed), and an authenticated kiosk API socket
// that sends a frame over the size limit or text that is not UTF-8, each raise an error on one socket.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { kioskMessageBytesMax } from '../../src/shared/limits.ts';
import { pidAlive } from '../hub/process.ts';
import { exitOf, killKioskProcess, pageSocketUrl, useKioskProcess } from './kiosk-process.ts';

const { test, kiosk } = useKioskProcess('facepay-kiosk-http-socket-errors-');

/** A WebSocket upgrade from another origin, without the page's token: the kiosk refuses it. */
function refusedUpgrade(host: string): string {
  return (
    'GET /kiosk/v1/ws?token=guessed HTTP/1.1\r\n' +
    `Host: ${host}\r\n` +
    'Origin: http://evil.example\r\n' +
    'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n\r\n`
  );
}

/**
 * A refused upgrade whose client resets the connection (RST) once the kiosk's refusal has arrived, so the
 * kiosk's next read of that socket fails with ECONNRESET.
 */
function refusedThenReset(kioskUrl: string): Promise<string> {
  const { hostname, port, host } = new URL(kioskUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = '';
    socket.on('error', reject);
    socket.on('connect', () => socket.write(refusedUpgrade(host)));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (!answer.includes('\r\n\r\n')) return;
      socket.resetAndDestroy();
      resolve(answer.split('\r\n')[0] ?? '');
    });
  });
}

/**
 * A refused upgrade whose client resets the connection as soon as its request is written, before the
 * kiosk's refusal: the kiosk's write of the refusal, or its next read, fails on a reset socket.
 */
function upgradeResetAtOnce(kioskUrl: string): Promise<void> {
  const { hostname, port, host } = new URL(kioskUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(refusedUpgrade(host), () => {
        socket.resetAndDestroy();
        resolve();
      });
    });
  });
}

/** An authenticated kiosk API socket (the page's token and origin) sends `frame`: how the kiosk closes it. */
async function socketSending(
  kioskUrl: string,
  frame: string | Buffer,
): Promise<{ code: number; error: string }> {
  const ws = new WebSocket(await pageSocketUrl(kioskUrl), { origin: kioskUrl });
  return new Promise((resolve, reject) => {
    let error = '';
    ws.on('open', () => ws.send(frame, { binary: false }));
    ws.on('error', (cause) => (error = cause.message));
    ws.on('unexpected-response', (_request, response) =>
      reject(new Error(`upgrade refused: ${response.statusCode}`)),
    );
    ws.on('close', (code) => resolve({ code, error }));
  });
}

async function stillAnswering(kioskUrl: string): Promise<void> {
  expect(await exitOf(kiosk())).toBe('running');
  expect(pidAlive(kiosk().pid)).toBe(true);
  const session = await fetch(`${kioskUrl}/kiosk/session`);
  expect(session.status).toBe(200);
  expect(await session.json()).toMatchObject({ wsPath: '/kiosk/v1/ws' });
  // The till opens a payment, then cancels it (the kiosk takes one payment at a time).
  const authorization = `Bearer ${test().shop.tillToken}`;
  const till = await fetch(`${kioskUrl}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: 120, reference: `after-${randomBytes(4).toString('hex')}` }),
  });
  expect(till.status).toBe(201);
  const { payment } = (await till.json()) as { payment: { id: string } };
  const cancelled = await fetch(`${kioskUrl}/kiosk/v1/payment-requests/${payment.id}`, {
    method: 'DELETE',
    headers: { authorization },
  });
  expect(await cancelled.json()).toMatchObject({ payment: { state: 'cancelled' } });
}

describe("a client breaking its own connection to the kiosk's HTTP server", () => {
  it('ends that connection only: refused upgrades reset by the client, an oversized frame and text that is not UTF-8 leave the kiosk process up', async () => {
    // No token needed: 50 upgrades from another origin, each reset once refused.
    for (let i = 0; i < 50; i += 1) {
      const answer = await refusedThenReset(kiosk().url).catch(async (error: Error) => {
        throw new Error(`upgrade ${i + 1}: ${error.message}; kiosk ${await exitOf(kiosk())}`);
      });
      expect(answer).toBe('HTTP/1.1 403 Forbidden');
    }
    // The same, reset before the refusal could be written.
    for (let i = 0; i < 50; i += 1) {
      await upgradeResetAtOnce(kiosk().url).catch(async (error: Error) => {
        throw new Error(`upgrade ${i + 51}: ${error.message}; kiosk ${await exitOf(kiosk())}`);
      });
    }
    // The kiosk has had time to read each reset; it is still the same process, and answers.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stillAnswering(kiosk().url);

    // With the page's token: a frame over the kiosk's limit (64 KiB) is refused with 1009 (too big).
    const oversized = 'x'.repeat(70_000);
    expect(oversized.length).toBeGreaterThan(kioskMessageBytesMax);
    expect((await socketSending(kiosk().url, oversized)).code).toBe(1009);
    await stillAnswering(kiosk().url);

    // A text frame that is not UTF-8 (0xff never occurs in UTF-8) is refused with 1007 (invalid data).
    const notUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expect((await socketSending(kiosk().url, notUtf8)).code).toBe(1007);
    await stillAnswering(kiosk().url);

    // Still the same process, and it stops as a kiosk stops (SIGKILL), not by itself.
    await killKioskProcess(kiosk());
  }, 60_000);
});
