// What bench:hub's load is made of, shared by the scripts that count or time it: the hold a pair places
// (then settles in full), and a POST with a fresh Idempotency-Key as an admin or till sends it.
import { randomUUID } from 'node:crypto';

/** The place request of every bench pair: 1,000 yen from `payer` to `shop`, settled right after. */
export function benchHoldRequest(payer: string, shop: string) {
  return {
    payer,
    payee: shop,
    amount: 1_000,
    currency: 'JPY',
    reference: 'bench',
    expiresInSeconds: 600,
  };
}

export type Post = (
  path: string,
  body: unknown,
) => Promise<{ status: number; json: Record<string, unknown> }>;

/** POSTs to the hub at `hubUrl` with `token`, each with its own Idempotency-Key. */
export function poster(hubUrl: string, token: string): Post {
  return async (path, body) => {
    const response = await fetch(`${hubUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
}
