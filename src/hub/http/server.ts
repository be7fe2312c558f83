// The Fastify application: limits, JSON only, the contract's error shape for every failure
// (never a 500 for bad input), and the routes of the shared route table with their handlers.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { AssertionError } from '../../shared/assert.ts';
import { hubTimeHeader } from '../../shared/hub-routes.ts';
import { requestBodyBytesMax } from '../../shared/limits.ts';
import { HubError } from '../errors.ts';
import { errorBody, type HubContext } from './context.ts';
import { ledgerHandlers } from './routes.ts';
import { clientAdminHandlers } from './client-routes.ts';
import { identityHandlers } from '../identity/routes.ts';
import { kioskHandlers } from '../identity/kiosk-routes.ts';
import {
  refuseRoutesOutsideTable,
  registerTableRoutes,
  type RouteHandlers,
} from './table-routes.ts';
import type { IdentityService } from '../identity/identity.ts';

function fastifyErrorToHubError(error: {
  statusCode?: number;
  code?: string;
  message: string;
}): HubError {
  const status = error.statusCode ?? 500;
  if (status === 413)
    return new HubError('payload_too_large', `request body over ${requestBodyBytesMax} bytes`);
  if (status === 415)
    return new HubError('unsupported_media_type', 'send JSON with Content-Type: application/json');
  if (status >= 400 && status < 500) return new HubError('invalid_request', error.message);
  return new HubError('internal', 'internal error');
}

export function buildServer(
  hub: HubContext,
  options: { logErrors?: boolean; identity?: IdentityService | undefined } = {},
): FastifyInstance {
  const app = Fastify({
    bodyLimit: requestBodyBytesMax,
    logger: false,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // Bad URLs and over-long path parameters get the contract's error shape too.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply)
        .code(400)
        .send(errorBody(new HubError('invalid_request', error.message)));
    },
  });

  app.setErrorHandler((error, _request, reply) => {
    let hubError: HubError;
    if (error instanceof HubError) hubError = error;
    else if (error instanceof AssertionError) hubError = new HubError('internal', 'internal error');
    else hubError = fastifyErrorToHubError(error as { statusCode?: number; message: string });
    // A refusal the hub chose (a 503 when the Argon2id queue is full) is an answer, not a fault:
    // only what nobody refused on purpose (an assertion, a bug) is logged with its stack.
    if (!(error instanceof HubError) && hubError.status >= 500 && options.logErrors !== false) {
      process.stderr.write(`hub error: ${(error as Error).stack ?? String(error)}\n`);
    }
    return reply.code(hubError.status).send(errorBody(hubError));
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        errorBody(
          new HubError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
        ),
      ),
  );
  // Every answer, refusals and 404s too, says the hub's time: a kiosk seals by it (hubTimeHeader).
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.header(hubTimeHeader, String(hub.clock.now()));
    return payload;
  });
  refuseRoutesOutsideTable(app);
  // A route of the table without its handler is a type error here.
  const handlers = {
    ...ledgerHandlers(hub),
    ...clientAdminHandlers(hub),
    ...identityHandlers(hub, options.identity),
    ...kioskHandlers(hub, options.identity),
  } satisfies RouteHandlers;
  registerTableRoutes(app, hub, handlers);
  return app;
}
