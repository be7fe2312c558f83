// HubClient against a real local HTTP server that answers what a proxy or a cut connection answers: an
// HTML error page, a body cut short, JSON of the wrong shape. Each is an error value with its status.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HubAnswerUnreadableError,
  HubClient,
  HubRequestError,
  HubUnreachableError,
} from '../../src/shared/hub-client.ts';

/** What the server answers next: status, content type and body, exactly as given. */
let next = { status: 200, type: 'application/json', body: '{}' };
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(next.status, { 'content-type': next.type });
      response.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error === undefined ? resolve() : reject(error))),
  );
});

const client = () => new HubClient({ baseUrl, token: 'fpk_test', timeoutMs: 5_000 });
const errorPage =
  '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>' +
  '<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>';

/** The placeHold call a kiosk makes, answered by `answer`: what it rejected with. */
async function placeHoldAnswered(answer: typeof next): Promise<unknown> {
  next = answer;
  const body = {
    payer: 'alice',
    payee: 'shop',
    amount: 100,
    currency: 'JPY' as const,
    reference: 'r-1',
    expiresInSeconds: 300,
  };
  return client()
    .placeHold(body, 'key-1')
    .then(
      () => 'resolved',
      (error: unknown) => error,
    );
}

describe('an answer HubClient cannot read', () => {
  it("a proxy's HTML 502 page is a HubAnswerUnreadableError with status 502, not a SyntaxError", async () => {
    const error = await placeHoldAnswered({ status: 502, type: 'text/html', body: errorPage });
    expect(error).not.toBeInstanceOf(SyntaxError);
    expect(error).toBeInstanceOf(HubAnswerUnreadableError);
    // The request's fate is unknown, as for a lost answer: callers that handle unreachable handle it.
    expect(error).toBeInstanceOf(HubUnreachableError);
    expect(error).toMatchObject({ status: 502 });
    expect((error as Error).message).toContain('502');
    expect((error as HubAnswerUnreadableError).bodyStart).toContain('502 Bad Gateway');
  });

  it('a 201 whose body was cut short is unreadable with status 201 (the hold may stand)', async () => {
    const error = await placeHoldAnswered({
      status: 201,
      type: 'application/json',
      body: '{"id":"hold_01J","status":"act',
    });
    expect(error).toBeInstanceOf(HubAnswerUnreadableError);
    expect(error).toMatchObject({ status: 201 });
  });

  it("a 200 of JSON that is not the route's answer is unreadable too, not a ZodError", async () => {
    const error = await placeHoldAnswered({
      status: 200,
      type: 'application/json',
      body: '{"ok":true}',
    });
    expect(error).toBeInstanceOf(HubAnswerUnreadableError);
    expect(error).toMatchObject({ status: 200 });
  });

  it("a refusal in the contract's shape is still a HubRequestError with its code", async () => {
    const error = await placeHoldAnswered({
      status: 422,
      type: 'application/json',
      body: '{"error":{"code":"insufficient_funds","message":"not enough"}}',
    });
    expect(error).toBeInstanceOf(HubRequestError);
    expect(error).toMatchObject({ status: 422, code: 'insufficient_funds' });
  });

  it('an empty 204 answer of a route without a body still reads as null', async () => {
    next = { status: 204, type: 'application/json', body: '' };
    expect(await client().deletePerson('p-1')).toBeNull();
  });
});
