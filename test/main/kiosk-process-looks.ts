// Failed looks driven into a kiosk process the way the till and the renderer do it (HTTP, the page's
// socket): both face-check crash tests (the pause, the alerts) bring a kiosk to the pause this way.
import { expect } from 'vitest';
import type { KioskStatus } from '../../src/shared/kiosk-api.ts';
import type { KioskProcess, KioskSocket } from './kiosk-process.ts';

/** The till of the shop under test: its bearer token, and what its payments' references start with. */
export interface TestTill {
  readonly token: string;
  readonly referencePrefix: string;
}

/** The till asks `kiosk` for `amount`: the payment's id (the till's view says no more of it). */
export async function tillAsks(
  kiosk: KioskProcess,
  till: TestTill,
  amount: number,
): Promise<{ id: string }> {
  const response = await fetch(`${kiosk.url}/kiosk/v1/payment-requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${till.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount, reference: `${till.referencePrefix}-${amount}` }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { payment: { id: string } }).payment;
}

/** The face session refused `looks` faces on a new payment (the renderer reports each), then it is cancelled. */
export async function refusedLooks(
  kiosk: KioskProcess,
  socket: KioskSocket,
  till: TestTill,
  amount: number,
  looks: number,
): Promise<void> {
  const { id: paymentId } = await tillAsks(kiosk, till, amount);
  for (let look = 0; look < looks; look += 1)
    expect(await socket.call('reportFaceRefused', { paymentId })).toMatchObject({ ok: true });
  expect(await socket.call('cancel', { paymentId })).toMatchObject({ ok: true });
}

export async function faceChecksPaused(socket: KioskSocket): Promise<boolean> {
  const answer = await socket.call<{ status: KioskStatus }>('status', {});
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.status.faceChecksPaused;
}
