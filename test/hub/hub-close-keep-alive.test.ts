// A hub stopping (SIGTERM on a deploy) lets the requests in flight finish, then exits. Fastify closes the
// keep-alive connections that are idle when close starts, but one busy then stays open after its answer
// until the keep-alive timeout (72 s): the stop, and every deploy, waited that long for a kiosk that polls
// the hub every 2 s. A request in flight when close begins must get its answer, and its connection must
// be closed right after, so close() resolves.
import { request, Agent, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adminToken, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub | undefined;
const agent = new Agent({ keepAlive: true });

afterEach(async () => {
  agent.destroy();
  await t?.stop();
  t = undefined;
});

/** A POST whose body is sent in two halves, so the hub holds it in flight between them. */
function halfSentPost(
  url: string,
  body: string,
): {
  sent: ClientRequest;
  answered: Promise<{ response: IncomingMessage; text: string }>;
  socket: Promise<Socket>;
} {
  const sent = request(`${url}/v1/accounts`, {
    method: 'POST',
    agent,
    headers: {
      authorization: `Bearer ${adminToken}`,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'idempotency-key': 'close-keep-alive-1',
    },
  });
  const socket = new Promise<Socket>((resolve) => sent.once('socket', resolve));
  const answered = new Promise<{ response: IncomingMessage; text: string }>((resolve, reject) => {
    sent.once('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.once('end', () => resolve({ response, text }));
    });
    sent.once('error', reject);
  });
  sent.write(body.slice(0, 10));
  return { sent, answered, socket };
}

describe('hub close with a keep-alive request in flight', () => {
  it('answers the request, closes its connection, and resolves', async () => {
    t = await startTestHub();
    const inFlight = new Promise<void>((resolve) =>
      t?.hub.app.server.once('request', () => resolve()),
    );
    const body = JSON.stringify({ kind: 'person', name: 'Close Test', currency: 'JPY' });
    const post = halfSentPost(t.hub.url, body);
    await inFlight;
    const socket = await post.socket;
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));

    const closed = t.hub.close();
    post.sent.end(body.slice(10));
    const { response, text } = await post.answered;
    expect(response.statusCode, text).toBe(201);
    await socketClosed;
    await closed;
  }, 30_000);
});
