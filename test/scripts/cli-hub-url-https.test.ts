// hub:admin and clinic:sample send their token with every request, so they take the kiosk's hub URL rule
// (src/shared/hub-url.ts): plain http only to this machine's loopback, else https; refused before any request.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assertNoProcessLeft, runAdminCli, runScriptTracked } from '../hub/process.ts';

afterAll(assertNoProcessLeft);

let server: Server | null = null;
afterEach(async () => {
  const open = server;
  server = null;
  if (open !== null) await new Promise<void>((resolve) => open.close(() => resolve()));
});

/**
 * A local HTTP server on `host` answering every request with an empty page of holds, as the hub's GET
 * /v1/holds does; the requests it got (method, path, authorization) and its URL.
 */
async function listening(host: string) {
  const seen: { method: string; path: string; authorization: string }[] = [];
  const open = createServer((request: IncomingMessage, response) => {
    seen.push({
      method: request.method ?? '',
      path: request.url ?? '',
      authorization: request.headers.authorization ?? '',
    });
    response.writeHead(200, { 'content-type': 'application/json', connection: 'close' });
    response.end(JSON.stringify({ items: [], nextCursor: null }));
  });
  server = open;
  await new Promise<void>((resolve) => open.listen(0, host, resolve));
  return { seen, url: `http://${host}:${(open.address() as AddressInfo).port}` };
}

const adminToken = 'admin-token-0123456789';
const clinicToken = 'clinic-token-0123456789';
const rule =
  /plain http to another machine.*use https:\/\/.*plain http is allowed only to 127\.0\.0\.1, ::1 or localhost/;

describe('hub:admin', () => {
  it('refuses plain http to another machine, naming the rule, exit 2, before any request', async () => {
    const refused = await runAdminCli('http://example.test', adminToken, ['list-holds']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^FACEPAY_HUB_URL: http:\/\/example\.test/);
    expect(refused.stderr).toMatch(rule);
    expect(refused.stderr).toMatch(/carries the admin token/);
    expect(refused.stdout).toBe('');
    // 127.0.0.2 is this machine, but not a host the rule names: a listener there gets no request.
    const other = await listening('127.0.0.2');
    const notSent = await runAdminCli(other.url, adminToken, ['list-holds']);
    expect(notSent.status).toBe(2);
    expect(notSent.stderr).toMatch(rule);
    expect(other.seen).toEqual([]);
  });

  it('refuses it from --url too, and a URL with user:password@', async () => {
    const flag = await runAdminCli('http://127.0.0.1:1', adminToken, [
      '--url',
      'http://example.test:8787',
      'list-holds',
    ]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/^--url: http:\/\/example\.test:8787 is plain http/);
    const userinfo = await runAdminCli('https://ops:secret@hub.example', adminToken, [
      'list-holds',
    ]);
    expect(userinfo.status).toBe(2);
    expect(userinfo.stderr).toMatch(/must not carry credentials/);
    expect(userinfo.stderr).not.toContain('secret');
  });

  it('still talks plain http to 127.0.0.1, with its token', async () => {
    const local = await listening('127.0.0.1');
    const result = await runAdminCli(local.url, adminToken, ['list-holds']);
    expect(result.status).toBe(0);
    expect(local.seen).toMatchObject([
      {
        method: 'GET',
        path: expect.stringMatching(/^\/v1\/holds/),
        authorization: `Bearer ${adminToken}`,
      },
    ]);
  });
});

describe('clinic:sample', () => {
  it('refuses plain http to another machine, naming the rule, exit 2, before any request', async () => {
    const refused = await runScriptTracked('scripts/clinic-sample.ts', [
      '--hub',
      'http://example.test',
      '--token',
      clinicToken,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/^--hub: http:\/\/example\.test/);
    expect(refused.out).toMatch(rule);
    expect(refused.out).toMatch(/carries the clinic system's token/);
    const other = await listening('127.0.0.2');
    const notSent = await runScriptTracked('scripts/clinic-sample.ts', [
      '--hub',
      other.url,
      '--token',
      clinicToken,
    ]);
    expect(notSent.code).toBe(2);
    expect(notSent.out).toMatch(rule);
    expect(other.seen).toEqual([]);
  });

  it('still talks plain http to 127.0.0.1, with its token', async () => {
    const local = await listening('127.0.0.1');
    const result = await runScriptTracked('scripts/clinic-sample.ts', [
      '--hub',
      local.url,
      '--token',
      clinicToken,
    ]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('no one is waiting');
    expect(local.seen).toMatchObject([
      {
        method: 'GET',
        path: expect.stringMatching(/^\/v1\/holds/),
        authorization: `Bearer ${clinicToken}`,
      },
    ]);
  });
});
