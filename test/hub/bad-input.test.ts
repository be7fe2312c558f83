// Hostile and careless input: every malformed request is a 4xx with the contract's error shape,
// never a 500, and never moves money (balances and the audit log are unchanged afterwards).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { account, balances, client, holdBody, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
let holdId: string;
let otherToken: string;
beforeAll(async () => {
  t = await startTestHub();
  await account(t, 'alice', 'person', 10_000);
  await account(t, 'shop', 'merchant');
  await account(t, 'other', 'merchant');
  otherToken = await client(t, 'merchant', 'other');
  holdId = (await t.call('POST', '/v1/holds', { body: holdBody('alice', 'shop', 1_000) })).body.id;
});
afterAll(async () => t.stop());

const badAmounts: unknown[] = [
  1.5,
  -1,
  0,
  '100',
  1e15,
  1e12 + 1,
  null,
  true,
  [],
  {},
  Number.MAX_SAFE_INTEGER + 2,
];

async function snapshot() {
  const rows = await t.hub.store.auditRows(0, 1_000_000);
  return {
    alice: await balances(t, 'alice'),
    shop: await balances(t, 'shop'),
    auditRows: rows.length,
  };
}

describe('bad input never moves money and never answers 500', () => {
  it('refuses bad amounts on every money-moving endpoint', async () => {
    const before = await snapshot();
    const endpoints = [
      (amount: unknown) => ['/v1/holds', holdBody('alice', 'shop', 1, { amount })] as const,
      (amount: unknown) => [`/v1/holds/${holdId}/settle`, { amount }] as const,
      (amount: unknown) => [`/v1/holds/${holdId}/increase`, { amount }] as const,
      (amount: unknown) => [`/v1/holds/${holdId}/refunds`, { amount }] as const,
      (amount: unknown) => ['/v1/accounts/alice/deposits', { amount }] as const,
      (amount: unknown) =>
        [`/v1/holds/${holdId}/events`, { type: 'x.y', data: { amount } }] as const,
    ];
    for (const endpoint of endpoints) {
      for (const amount of badAmounts) {
        const [path, body] = endpoint(amount);
        const response = await t.call('POST', path, { body });
        expect(response.status, `${path} ${JSON.stringify(amount)}`).toBe(400);
        expect(response.body.error.code).toBe('invalid_request');
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses unknown fields, malformed JSON, wrong types, oversize bodies, bad headers', async () => {
    const before = await snapshot();
    const cases: Array<{
      path: string;
      rawBody?: string;
      body?: unknown;
      headers?: Record<string, string>;
      status: number;
    }> = [
      { path: '/v1/holds', body: { ...holdBody('alice', 'shop', 10), extra: 1 }, status: 400 },
      { path: `/v1/holds/${holdId}/settle`, body: { amount: 1, final: 'yes' }, status: 400 },
      { path: `/v1/holds/${holdId}/release`, body: { amount: 1 }, status: 400 },
      { path: '/v1/holds', rawBody: '{"payer":', status: 400 },
      { path: '/v1/holds', rawBody: '[1,2,3]', status: 400 },
      { path: '/v1/holds', rawBody: '"text"', status: 400 },
      { path: '/v1/holds', rawBody: '{"__proto__":{"admin":true}}', status: 400 },
      {
        path: '/v1/holds',
        body: { ...holdBody('alice', 'shop', 10), currency: 'USD' },
        status: 400,
      },
      {
        path: '/v1/holds',
        body: holdBody('alice', 'shop', 10, { expiresInSeconds: 0 }),
        status: 400,
      },
      {
        path: '/v1/holds',
        body: holdBody('alice', 'shop', 10, { expiresInSeconds: 31_536_001 }),
        status: 400,
      },
      { path: '/v1/holds', body: holdBody('alice', 'alice', 10), status: 400 },
      {
        path: '/v1/holds',
        body: holdBody('alice', 'shop', 10, {
          rules: [{ on: 'expiry', action: 'settle', amount: 'event' }],
        }),
        status: 400,
      },
      {
        path: '/v1/holds',
        body: holdBody('alice', 'shop', 10, { template: { name: 'escrow' } }),
        status: 400,
      },
      {
        path: '/v1/holds',
        body: holdBody('alice', 'shop', 10, {
          template: { name: 'no_show_fee', deadline: 'tomorrow' },
        }),
        status: 400,
      },
      {
        path: '/v1/holds',
        body: holdBody('alice', 'shop', 10, {
          template: { name: 'no_show_fee', deadline: '2020-01-01T00:00:00Z' },
        }),
        status: 400,
      },
      {
        path: '/v1/holds',
        body: holdBody('alice', 'shop', 10, { template: { name: 'bogus' } }),
        status: 400,
      },
      { path: '/v1/holds', body: holdBody('nobody', 'shop', 10), status: 404 },
      { path: '/v1/holds', body: holdBody('__issuer', 'shop', 10), status: 400 },
      {
        path: '/v1/holds',
        body: { ...holdBody('alice', 'shop', 10), reference: 'r'.repeat(70_000) },
        status: 413,
      },
      {
        path: '/v1/holds',
        rawBody: 'amount=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        status: 415,
      },
      { path: `/v1/holds/${holdId}/events`, body: { type: 'expiry' }, status: 400 },
      { path: `/v1/holds/${holdId}/events`, body: { type: 'Bad Type!' }, status: 400 },
      { path: `/v1/holds/${'x'.repeat(300)}/settle`, body: { amount: 1 }, status: 400 },
      { path: '/v1/holds/%E0%A4%A/settle', body: { amount: 1 }, status: 400 },
      { path: '/v1/nothing', body: {}, status: 404 },
    ];
    for (const c of cases) {
      const response = await t.call('POST', c.path, {
        ...(c.body === undefined ? {} : { body: c.body }),
        ...(c.rawBody === undefined ? {} : { rawBody: c.rawBody }),
        ...(c.headers === undefined ? {} : { headers: c.headers }),
      });
      expect(
        response.status,
        `${c.path} ${c.rawBody ?? JSON.stringify(c.body).slice(0, 120)}`,
      ).toBe(c.status);
      expect(typeof response.body.error.code).toBe('string');
      expect(typeof response.body.error.message).toBe('string');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses text with a NUL character the same way on every adapter (PostgreSQL cannot store one)', async () => {
    const before = await snapshot();
    const nul = 'a\u0000b';
    const requests = [
      ['/v1/holds', holdBody('alice', 'shop', 10, { reference: nul })],
      ['/v1/holds', holdBody('alice', 'shop', 10, { category: `food.${nul}` })],
      [`/v1/holds/${holdId}/events`, { type: 'x.y', data: { note: nul } }],
      [`/v1/holds/${holdId}/events`, { type: 'x.y', data: { [nul]: 1 } }],
      [`/v1/holds/${holdId}/events`, { type: 'x.y', data: { nested: [{ note: nul }] } }],
      ['/v1/accounts', { id: 'nul-owner', kind: 'person', name: nul, currency: 'JPY' }],
    ] as const;
    for (const [path, body] of requests) {
      const response = await t.call('POST', path, { body });
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('refuses missing and unknown tokens and other merchants, moving nothing', async () => {
    const before = await snapshot();
    const paths = [
      `/v1/holds/${holdId}/settle`,
      `/v1/holds/${holdId}/release`,
      '/v1/holds',
      '/v1/accounts/alice/deposits',
    ];
    for (const path of paths) {
      const body = path.endsWith('/holds')
        ? holdBody('alice', 'other', 10)
        : path.endsWith('release')
          ? {}
          : { amount: 10 };
      expect((await t.call('POST', path, { token: null, body })).status).toBe(401);
      expect((await t.call('POST', path, { token: 'fpk_forged', body })).status).toBe(401);
      expect([403, 404]).toContain(
        (await t.call('POST', path, { token: otherToken, body })).status,
      );
    }
    const malformedHeader = await t.call('GET', '/v1/holds', {
      token: null,
      headers: { authorization: 'Basic abc' },
    });
    expect(malformedHeader.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });
});
