// The route table is consistent on its own: one entry per method and path, the path's parameters
// are its params schema's, bodies and idempotency only where HTTP and API.md allow them.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as api from '../../src/shared/hub-api.ts';
import { hubRoutes, routeNames, type RouteSpec } from '../../src/shared/hub-routes.ts';
import type { Yen } from '../../src/shared/money.ts';

const entries = routeNames.map((name) => [name, hubRoutes[name] as RouteSpec] as const);

describe('the hub route table', () => {
  it('has one entry per method and path', () => {
    const keys = entries.map(([, route]) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("names each path parameter in the entry's params schema, and nothing else", () => {
    for (const [name, route] of entries) {
      const inPath = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]).sort();
      const schema = route.params;
      const inSchema = schema instanceof z.ZodObject ? Object.keys(schema.shape).sort() : [];
      expect(inSchema, name).toEqual(inPath);
    }
  });

  it('puts bodies on POST and PUT only, idempotency on POST only, no body with a 204 answer', () => {
    for (const [name, route] of entries) {
      if (route.body !== undefined) expect(['POST', 'PUT'], name).toContain(route.method);
      if (route.method === 'POST' || route.method === 'PUT') expect(route.body, name).toBeDefined();
      if (route.idempotency !== undefined) expect(route.method, name).toBe('POST');
      expect(route.response === null, name).toBe(route.status === 204);
    }
  });

  it('takes money as the contract says and yields it as Yen', () => {
    expectTypeOf(api.amountSchema.parse(1)).toEqualTypeOf<Yen>();
    expectTypeOf<z.input<typeof api.depositRequest>>().toEqualTypeOf<{ amount: number }>();
    expect(api.depositRequest.parse({ amount: 1_000 })).toEqual({ amount: 1_000 });
    for (const bad of [0, 1.5, 1e12 + 1, '100']) {
      expect(api.amountSchema.safeParse(bad).success, String(bad)).toBe(false);
    }
  });
});
