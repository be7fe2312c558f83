// Puts the shared route table (src/shared/hub-routes.ts) into Fastify: method, path, roles, schemas,
// idempotency and success status come from the table, only the handler from the route's name.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import {
  hubRoutes,
  routeNames,
  type HubRoutes,
  type RouteName,
  type RouteSpec,
} from '../../shared/hub-routes.ts';
import type { JobReads, StoreTx } from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { HubContext, Reply } from './context.ts';
import { send } from './context.ts';

type Parsed<R, K extends 'params' | 'query' | 'body'> = R extends {
  readonly [P in K]: infer S extends z.ZodType;
}
  ? z.output<S>
  : undefined;

type Answer<R> = R extends { readonly response: infer S extends z.ZodType }
  ? z.output<S>
  : undefined;

/** What a handler gets: the caller and the request already checked against the route's entry. */
export interface RouteInput<R extends RouteSpec> {
  readonly caller: R['access'] extends 'public' ? undefined : ClientRecord;
  readonly params: Parsed<R, 'params'>;
  readonly query: Parsed<R, 'query'>;
  readonly body: Parsed<R, 'body'>;
  readonly request: FastifyRequest;
  /** The success answer: the table's status, a body of the table's response schema. */
  ok(body: Answer<R>): Reply;
  /** One transaction; idempotent (the stored answer replayed) where the table says so. */
  /** `reads`: what `run` reads first, which the store may read ahead (HubStore.write). */
  write(
    run: (tx: StoreTx) => Promise<Reply>,
    reads?: JobReads,
  ): Promise<Reply & { replayed: boolean }>;
}

export type RouteHandler<R extends RouteSpec> = (
  input: RouteInput<R>,
) => Promise<Reply & { replayed?: boolean }>;

/** One handler per route of the table, by the route's name. */
export type RouteHandlers = { readonly [N in RouteName]: RouteHandler<HubRoutes[N]> };

const tableKeys = new Set(routeNames.map((name) => routeKey(hubRoutes[name])));

function routeKey(route: { method: string; path: string }): string {
  return `${route.method} ${route.path}`;
}

/**
 * Refuses, at start-up, any route added to this Fastify instance that the table does not list, so
 * a route cannot exist without its entry (and with it, its OpenAPI operation and client method).
 */
export function refuseRoutesOutsideTable(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // Fastify answers HEAD for every GET on its own; that twin is the GET's entry.
      const key = routeKey({ method: method === 'HEAD' ? 'GET' : method, path: route.url });
      assert(tableKeys.has(key), `${method} ${route.url} is not in src/shared/hub-routes.ts`);
    }
  });
}

/** A handler as the registration calls it, whatever its route: the input checked at run time. */
type CheckedHandler = (input: {
  caller: ClientRecord | undefined;
  params: unknown;
  query: unknown;
  body: unknown;
  request: FastifyRequest;
  ok(body: unknown): Reply;
  write: RouteInput<RouteSpec>['write'];
}) => Promise<Reply & { replayed?: boolean }>;

export function registerTableRoutes(
  app: FastifyInstance,
  hub: HubContext,
  handlers: RouteHandlers,
): void {
  for (const name of routeNames) {
    // Each handler was checked against its own route's types where it was written.
    registerRoute(app, hub, hubRoutes[name], handlers[name] as CheckedHandler);
  }
}

function registerRoute(
  app: FastifyInstance,
  hub: HubContext,
  route: RouteSpec,
  handler: CheckedHandler,
): void {
  const roles = route.access === 'public' || route.access === 'client' ? undefined : route.access;
  app.route({
    method: route.method,
    url: route.path,
    handler: async (request, reply) => {
      const caller = route.access === 'public' ? undefined : await hub.authenticate(request, roles);
      const result = await handler({
        caller,
        params:
          route.params === undefined ? undefined : hub.parse(route.params, request.params, 'path'),
        query:
          route.query === undefined ? undefined : hub.parse(route.query, request.query, 'query'),
        body:
          route.body === undefined
            ? undefined
            : hub.parse(route.body, request.body ?? (route.bodyOptional ? {} : undefined)),
        request,
        ok: (body) => ({ status: route.status, body }),
        write: (run, reads) => {
          if (route.idempotency === undefined) return hub.write(run, reads);
          assert(caller !== undefined, 'an idempotent route authenticates its caller');
          return hub.idempotentWrite(request, caller, run, {
            required: route.idempotency === 'required',
            ...(reads === undefined ? {} : { reads }),
          });
        },
      });
      assert(
        result.status >= 300 || result.status === route.status,
        `${routeKey(route)} answered ${result.status}; the route table says ${route.status}`,
      );
      return send(reply, result);
    },
  });
}
