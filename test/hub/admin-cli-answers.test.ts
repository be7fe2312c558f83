// hub:admin facing an answer it cannot read (a proxy's HTML 502) or no hub at all: one clear line on
// stderr naming what came back, and a non-zero exit, never a stack trace.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { assertNoProcessLeft, runAdminCli } from './process.ts';

afterAll(assertNoProcessLeft);

let server: Server | null = null;
afterEach(async () => {
  const open = server;
  server = null;
  if (open !== null) await new Promise<void>((resolve) => open.close(() => resolve()));
});

/** A local HTTP server answering every request with `status` and an HTML page; its URL. */
async function answering(status: number, html: string): Promise<string> {
  const listening = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'text/html', connection: 'close' });
    response.end(html);
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
}

/** A URL nothing listens on: a server is started for a free port, then closed. */
async function nobodyListening(): Promise<string> {
  const url = await answering(200, '');
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  server = null;
  return url;
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('hub:admin on an answer it cannot use', () => {
  it('says in one line that the hub answered an unreadable 502 and what came back, exit 1', async () => {
    const url = await answering(502, '<html><body><h1>502 Bad Gateway</h1></body></html>');
    const result = await runAdminCli(url, 'admin-token-0123456789', [
      'show-account',
      '--account',
      'shop',
    ]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expectOneLine(result.stderr, /502.*<html><body><h1>502 Bad Gateway/);
  });

  it('says in one line that nothing answered at the URL, exit 1', async () => {
    const url = await nobodyListening();
    const result = await runAdminCli(url, 'admin-token-0123456789', [
      'show-account',
      '--account',
      'shop',
    ]);
    expect(result.status).toBe(1);
    expectOneLine(result.stderr, new RegExp(`cannot reach the hub at ${url}`));
  });
});
