// The hub's routes (API.md v1): each one authenticates, validates with the shared zod schemas,
// runs the ledger inside one transaction, and answers with the contract's shapes and codes.
import type { FastifyInstance } from 'fastify';
import type { StoreTx } from '../storage/port.ts';
import type { ClientRecord, HoldRecord } from '../storage/records.ts';
import { z } from 'zod';
import * as api from '../../shared/hub-api.ts';
import { listLimitDefault } from '../../shared/limits.ts';
import { refuse } from '../errors.ts';
import type { HubContext } from './context.ts';
import { send } from './context.ts';
import { accountView, clientView, entryView, holdView, standingLimitView } from './views.ts';
import { hashToken, newToken } from './tokens.ts';
import { buildOpenApi } from './openapi.ts';
import { canSeeAccount, canSeeHold } from '../ledger/ledger.ts';
import { canManageStandingLimits } from '../ledger/consent.ts';

const idParams = z.strictObject({ id: z.string().min(1).max(128) });

function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString('base64url');
}

function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown };
    if (typeof parsed.s === 'number' && Number.isSafeInteger(parsed.s) && parsed.s > 0)
      return parsed.s;
  } catch {
    // fall through to the refusal below
  }
  refuse('invalid_request', 'cursor is not one this hub gave out');
}

export function registerRoutes(app: FastifyInstance, hub: HubContext): void {
  const openApi = buildOpenApi();
  app.get('/v1/health', async () => ({ status: 'ok' }));
  app.get('/v1/openapi.json', async () => openApi);
  registerClientRoutes(app, hub);
  registerAccountRoutes(app, hub);
  registerHoldRoutes(app, hub);
  registerStandingLimitRoutes(app, hub);
}

/** Extension: the payer's standing limits (consent.ts says who may grant, list and revoke them). */
function registerStandingLimitRoutes(app: FastifyInstance, hub: HubContext): void {
  app.post('/v1/standing-limits', async (request, reply) => {
    const caller = await hub.authenticate(request);
    const body = hub.parse(api.createStandingLimitRequest, request.body);
    const result = await hub.idempotentWrite(
      request,
      caller,
      async (tx) => ({
        status: 201,
        body: standingLimitView(await hub.ledger.createStandingLimit(tx, caller, body)),
      }),
      { required: false },
    );
    return send(reply, result);
  });

  app.get('/v1/standing-limits', async (request, reply) => {
    const caller = await hub.authenticate(request);
    const query = hub.parse(api.standingLimitListQuery, request.query, 'query');
    if (!canManageStandingLimits(caller, query.payer)) {
      refuse('forbidden', "only the payer's own client (or admin) lists its standing limits");
    }
    const limit = query.limit ?? listLimitDefault;
    const { limits, seqs } = await hub.store.reader.listStandingLimits(
      query.payer,
      decodeCursor(query.cursor),
      limit + 1,
    );
    const lastSeq = seqs[limit - 1];
    return reply.send({
      items: limits.slice(0, limit).map(standingLimitView),
      nextCursor: limits.length > limit && lastSeq !== undefined ? encodeCursor(lastSeq) : null,
    });
  });

  app.delete('/v1/standing-limits/:id', async (request, reply) => {
    const caller = await hub.authenticate(request);
    const { id } = hub.parse(idParams, request.params, 'path');
    await hub.store.write((tx) => hub.ledger.revokeStandingLimit(tx, caller, id));
    return reply.code(204).send();
  });
}

function registerClientRoutes(app: FastifyInstance, hub: HubContext): void {
  app.post('/v1/clients', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    const body = hub.parse(api.createClientRequest, request.body);
    if (
      (body.role === 'merchant' || body.role === 'event_source') &&
      body.merchantId === undefined
    ) {
      refuse('invalid_request', `a ${body.role} client needs merchantId`);
    }
    if (body.role === 'event_source' && body.eventTypes === undefined) {
      refuse('invalid_request', 'an event_source client needs eventTypes');
    }
    const token = newToken();
    const result = await hub.write(async (tx) => {
      const client = await hub.ledger.createClient(tx, caller.id, {
        name: body.name,
        role: body.role,
        merchantId: body.merchantId ?? null,
        eventTypes: body.eventTypes ?? [],
        tokenHash: hashToken(token),
      });
      return { status: 201, body: { ...clientView(client), token } };
    });
    return send(reply, result);
  });
}

/** Refuses an account this client may not see (404), then runs its passed deadlines before a read. */
async function readableAccount(hub: HubContext, caller: ClientRecord, id: string): Promise<void> {
  const account = await hub.store.reader.getAccount(id);
  if (account === undefined || !canSeeAccount(caller, account)) {
    refuse('not_found', `account ${id} not found`);
  }
  await hub.expireBeforeRead({ accountId: id });
}

function registerAccountRoutes(app: FastifyInstance, hub: HubContext): void {
  app.post('/v1/accounts', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    const body = hub.parse(api.createAccountRequest, request.body);
    const result = await hub.idempotentWrite(
      request,
      caller,
      async (tx) => ({
        status: 201,
        body: accountView(await hub.ledger.createAccount(tx, caller, body)),
      }),
      { required: false },
    );
    return send(reply, result);
  });

  app.get('/v1/accounts/:id', async (request, reply) => {
    const caller = await hub.authenticate(request);
    const { id } = hub.parse(idParams, request.params, 'path');
    await readableAccount(hub, caller, id);
    const fresh = await hub.store.reader.getAccount(id);
    if (fresh === undefined) refuse('not_found', `account ${id} not found`);
    return reply.send(accountView(fresh));
  });

  app.post('/v1/accounts/:id/deposits', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    const { id } = hub.parse(idParams, request.params, 'path');
    const body = hub.parse(api.depositRequest, request.body);
    const result = await hub.idempotentWrite(request, caller, async (tx) => ({
      status: 201,
      body: accountView(await hub.ledger.deposit(tx, caller, id, body.amount)),
    }));
    return send(reply, result);
  });

  app.get('/v1/accounts/:id/entries', async (request, reply) => {
    const caller = await hub.authenticate(request);
    const { id } = hub.parse(idParams, request.params, 'path');
    const query = hub.parse(api.listQuery, request.query, 'query');
    await readableAccount(hub, caller, id);
    const limit = query.limit ?? listLimitDefault;
    const entries = await hub.store.reader.listEntries(id, decodeCursor(query.cursor), limit + 1);
    const page = entries.slice(0, limit);
    const last = page.at(-1);
    return reply.send({
      items: page.map(entryView),
      nextCursor: entries.length > limit && last !== undefined ? encodeCursor(last.seq) : null,
    });
  });
}

type HoldAction = 'increase' | 'settle' | 'release' | 'refunds' | 'events';

interface HoldActionSpec<S extends z.ZodType> {
  schema: S;
  run: (tx: StoreTx, caller: ClientRecord, holdId: string, body: z.infer<S>) => Promise<HoldRecord>;
}

function action<S extends z.ZodType>(
  schema: S,
  run: HoldActionSpec<S>['run'],
): HoldActionSpec<z.ZodType> {
  return { schema, run: run as HoldActionSpec<z.ZodType>['run'] };
}

function registerHoldRoutes(app: FastifyInstance, hub: HubContext): void {
  app.post('/v1/holds', async (request, reply) => {
    const caller = await hub.authenticate(request);
    const body = hub.parse(api.placeHoldRequest, request.body);
    const result = await hub.idempotentWrite(request, caller, async (tx) => ({
      status: 201,
      body: holdView(await hub.ledger.placeHold(tx, caller, body)),
    }));
    return send(reply, result);
  });

  // Each hold action: its body schema and the ledger step; authentication, idempotency and the
  // answer's shape are the same for all of them.
  const actions: { [A in HoldAction]: HoldActionSpec<z.ZodType> } = {
    increase: action(api.increaseHoldRequest, (tx, caller, id, body) =>
      hub.ledger.increase(tx, caller, id, body.amount, body.authorization),
    ),
    settle: action(api.settleHoldRequest, (tx, caller, id, body) =>
      hub.ledger.settle(tx, caller, id, body.amount, body.final === true),
    ),
    release: action(api.releaseHoldRequest, (tx, caller, id) => hub.ledger.release(tx, caller, id)),
    refunds: action(api.refundHoldRequest, (tx, caller, id, body) =>
      hub.ledger.refund(tx, caller, id, body.amount),
    ),
    events: action(api.holdEventRequest, (tx, caller, id, body) =>
      hub.ledger.event(tx, caller, id, body),
    ),
  };
  for (const [name, spec] of Object.entries(actions)) {
    app.post(`/v1/holds/:id/${name}`, async (request, reply) => {
      const caller = await hub.authenticate(request);
      const { id } = hub.parse(idParams, request.params, 'path');
      const body: unknown = hub.parse(
        spec.schema,
        request.body ?? (name === 'release' ? {} : undefined),
      );
      const result = await hub.idempotentWrite(request, caller, async (tx) => ({
        status: 200,
        body: holdView(await spec.run(tx, caller, id, body)),
      }));
      return send(reply, result);
    });
  }

  app.get('/v1/holds/:id', async (request, reply) => {
    const caller = await hub.authenticate(request);
    const { id } = hub.parse(idParams, request.params, 'path');
    const hold = await hub.store.reader.getHold(id);
    if (hold === undefined || !canSeeHold(caller, hold))
      refuse('not_found', `hold ${id} not found`);
    await hub.expireBeforeRead({ holdId: id });
    const fresh = await hub.store.reader.getHold(id);
    if (fresh === undefined) refuse('not_found', `hold ${id} not found`);
    return reply.send(holdView(fresh));
  });

  app.get('/v1/holds', async (request, reply) => {
    const caller = await hub.authenticate(request);
    const query = hub.parse(api.holdListQuery, request.query, 'query');
    await hub.expireBeforeRead({});
    const limit = query.limit ?? listLimitDefault;
    const party = caller.role === 'admin' ? undefined : (caller.merchantId ?? '\u0000none');
    const { holds, seqs } = await hub.store.reader.listHolds({
      ...(query.payer === undefined ? {} : { payer: query.payer }),
      ...(query.payee === undefined ? {} : { payee: query.payee }),
      ...(query.status === undefined ? {} : { status: query.status }),
      ...(party === undefined ? {} : { party }),
      beforeSeq: decodeCursor(query.cursor),
      limit: limit + 1,
    });
    const lastSeq = seqs[limit - 1];
    return reply.send({
      items: holds.slice(0, limit).map(holdView),
      nextCursor: holds.length > limit && lastSeq !== undefined ? encodeCursor(lastSeq) : null,
    });
  });
}
