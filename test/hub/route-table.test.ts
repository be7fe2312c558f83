// The route table drives the Fastify server and the OpenAPI document: every entry is served and
// published, nothing outside it can be registered, and each entry's access is what the hub enforces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roles, type Role } from '../../src/shared/hub-api.ts';
import { hubRoutes, routeNames, type RouteSpec } from '../../src/shared/hub-routes.ts';
import { buildServer } from '../../src/hub/http/server.ts';
import { account, adminToken, client, startTestHub, type TestHub } from './helpers.ts';

let t: TestHub;
const tokens = new Map<Role, string>();

beforeAll(async () => {
  t = await startTestHub();
  tokens.set('admin', adminToken);
  await account(t, 'shop', 'merchant');
  tokens.set('merchant', await client(t, 'merchant', 'shop'));
  tokens.set('event_source', await client(t, 'event_source', 'shop', ['goods.delivered']));
  tokens.set('enrollment', await client(t, 'enrollment'));
});
afterAll(async () => t.stop());

/** The route's URL with every path parameter filled in. */
function urlOf(route: RouteSpec): string {
  return route.path.replace(/:[a-zA-Z]+/g, 'no-such-id');
}

describe('the Fastify server is built from the route table', () => {
  it('serves every route of the table, and refuses to register one outside it', async () => {
    const app = buildServer(t.hub.context, { identity: t.hub.identity, logErrors: false });
    try {
      for (const name of routeNames) {
        const route = hubRoutes[name];
        expect(app.hasRoute({ method: route.method, url: route.path }), name).toBe(true);
      }
      expect(() => app.get('/v1/not-in-the-table', async () => ({}))).toThrow(
        /not in src\/shared\/hub-routes\.ts/,
      );
      // Same path as a table entry, another method: still not in the table.
      expect(() => app.patch('/v1/holds/:id', async () => ({}))).toThrow(
        /not in src\/shared\/hub-routes\.ts/,
      );
    } finally {
      await app.close();
    }
  });

  it("enforces each entry's access before reading the request", async () => {
    for (const name of routeNames) {
      const route = hubRoutes[name];
      const url = urlOf(route);
      const anonymous = await t.call(route.method, url, { token: null });
      if (route.access === 'public') {
        expect(anonymous.status, name).toBe(route.status);
        continue;
      }
      expect(anonymous.status, name).toBe(401);
      if (route.access === 'client') continue;
      const allowed: readonly Role[] = route.access;
      const outsider = roles.find((role) => !allowed.includes(role));
      if (outsider === undefined) continue;
      const token = tokens.get(outsider);
      if (token === undefined) throw new Error(`no test client of role ${outsider}`);
      const refused = await t.call(route.method, url, { token });
      expect({ name, status: refused.status, code: refused.body.error.code }).toEqual({
        name,
        status: 403,
        code: 'forbidden',
      });
    }
  });
});

describe('the OpenAPI document is built from the route table', () => {
  it('has one operation per entry, with its status, body, idempotency and access', async () => {
    const doc = (await t.call('GET', '/v1/openapi.json', { token: null })).body;
    const operations = Object.values(doc.paths).flatMap((path) => Object.keys(path as object));
    expect(operations).toHaveLength(routeNames.length);
    for (const name of routeNames) {
      const route: RouteSpec = hubRoutes[name];
      const path = route.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      expect(op?.operationId, name).toBe(name);
      expect(Object.keys(op.responses).sort(), name).toEqual([String(route.status), 'default']);
      expect(op.requestBody !== undefined, name).toBe(route.body !== undefined);
      const parameters: Array<{ name: string; in: string; required: boolean }> =
        op.parameters ?? [];
      const key = parameters.find((p) => p.name === 'Idempotency-Key');
      expect(key?.required, name).toBe(
        route.idempotency === undefined ? undefined : route.idempotency === 'required',
      );
      const inPath = parameters.filter((p) => p.in === 'path').map((p) => p.name);
      expect(inPath, name).toEqual([...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]));
      expect(op.security, name).toEqual(route.access === 'public' ? [] : undefined);
    }
  });
});
