// The ledger's route handlers (API.md v1), keyed by their names in src/shared/hub-routes.ts, which
// authenticates and validates first; each runs the ledger in one transaction and answers the contract.
import type { FastifyRequest } from 'fastify';
import { assert } from '../../shared/assert.ts';
import { issuerAccountId, type ClientRecord } from '../storage/records.ts';
import { listLimitDefault } from '../../shared/limits.ts';
import { refuse } from '../errors.ts';
import type { HubContext } from './context.ts';
import type { RouteHandlers } from './table-routes.ts';
import { accountView, clientView, entryView, holdView, standingLimitView } from './views.ts';
import { hashToken, newToken } from './tokens.ts';
import { buildOpenApi } from './openapi.ts';
import { canSeeAccount, canSeeHold } from '../ledger/ledger.ts';
import { placedKeyHash } from '../ledger/placed-key.ts';
import { canManageStandingLimits } from '../ledger/consent.ts';

/** A page's cursor: the last seq it showed (every list of this hub pages by seq, newest first). */
export function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
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

export function ledgerHandlers(hub: HubContext) {
  const openApi = buildOpenApi();
  return {
    health: async ({ ok }) => ok({ status: 'ok' }),
    openApi: async ({ ok }) => ok(openApi),
    ...clientHandlers(hub),
    ...accountHandlers(hub),
    ...holdHandlers(hub),
    ...standingLimitHandlers(hub),
  } satisfies Partial<RouteHandlers>;
}

/** Extension: the payer's standing limits (consent.ts says who may grant, list and revoke them). */
function standingLimitHandlers(hub: HubContext) {
  return {
    createStandingLimit: async ({ caller, body, write, ok }) =>
      write(async (tx) =>
        ok(standingLimitView(await hub.ledger.createStandingLimit(tx, caller, body))),
      ),

    listStandingLimits: async ({ caller, query, ok }) => {
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
      return ok({
        items: limits.slice(0, limit).map(standingLimitView),
        nextCursor: limits.length > limit && lastSeq !== undefined ? encodeCursor(lastSeq) : null,
      });
    },

    revokeStandingLimit: async ({ caller, params, ok }) => {
      await hub.store.write((tx) => hub.ledger.revokeStandingLimit(tx, caller, params.id));
      return ok(undefined);
    },
  } satisfies Partial<RouteHandlers>;
}

function clientHandlers(hub: HubContext) {
  return {
    createClient: async ({ caller, body, write, ok }) => {
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
      return write(async (tx) => {
        const client = await hub.ledger.createClient(tx, caller.id, {
          name: body.name,
          role: body.role,
          merchantId: body.merchantId ?? null,
          eventTypes: body.eventTypes ?? [],
          tokenHash: hashToken(token),
        });
        return ok({ ...clientView(client), token });
      });
    },
  } satisfies Partial<RouteHandlers>;
}

/** Refuses an account this client may not see (404), then runs its passed deadlines before a read. */
async function readableAccount(hub: HubContext, caller: ClientRecord, id: string): Promise<void> {
  const account = await hub.store.reader.getAccount(id);
  if (account === undefined || !canSeeAccount(caller, account)) {
    refuse('not_found', `account ${id} not found`);
  }
  await hub.expireBeforeRead({ accountId: id });
}

function accountHandlers(hub: HubContext) {
  return {
    createAccount: async ({ caller, body, write, ok }) =>
      write(async (tx) => ok(accountView(await hub.ledger.createAccount(tx, caller, body)))),

    getAccount: async ({ caller, params: { id }, ok }) => {
      await readableAccount(hub, caller, id);
      const fresh = await hub.store.reader.getAccount(id);
      if (fresh === undefined) refuse('not_found', `account ${id} not found`);
      return ok(accountView(fresh));
    },

    // Read ahead with the batch: the account, its deadlines, and the issuer whose balance bounds it.
    deposit: async ({ caller, params, body, write, ok }) =>
      write(
        async (tx) => ok(accountView(await hub.ledger.deposit(tx, caller, params.id, body.amount))),
        { accounts: [params.id, issuerAccountId], dueOfAccount: params.id },
      ),

    listEntries: async ({ caller, params: { id }, query, ok }) => {
      await readableAccount(hub, caller, id);
      const limit = query.limit ?? listLimitDefault;
      const entries = await hub.store.reader.listEntries(id, decodeCursor(query.cursor), limit + 1);
      const page = entries.slice(0, limit);
      const last = page.at(-1);
      return ok({
        items: page.map(entryView),
        nextCursor: entries.length > limit && last !== undefined ? encodeCursor(last.seq) : null,
      });
    },
  } satisfies Partial<RouteHandlers>;
}

/** The Idempotency-Key of a hold request: a string once idempotentWrite let the request run. */
function placingKey(request: FastifyRequest): string {
  const key = request.headers['idempotency-key'];
  assert(typeof key === 'string', 'a placed hold came with its Idempotency-Key');
  return key;
}

function holdHandlers(hub: HubContext) {
  return {
    // The hold keeps the key it was placed under (idempotentWrite checked it before `run`).
    placeHold: async ({ caller, body, request, write, ok }) =>
      write(
        async (tx) =>
          ok(holdView(await hub.ledger.placeHold(tx, caller, body, placingKey(request)))),
        {
          accounts: [body.payer, body.payee],
          dueOfAccount: body.payer,
        },
      ),

    // The hold actions: the table gives each its body, idempotency and answer; here only the step.
    increaseHold: async ({ caller, params, body, write, ok }) =>
      write(async (tx) =>
        ok(
          holdView(
            await hub.ledger.increase(tx, caller, params.id, body.amount, body.authorization),
          ),
        ),
      ),
    settleHold: async ({ caller, params, body, write, ok }) =>
      write(
        async (tx) =>
          ok(
            holdView(
              await hub.ledger.settle(tx, caller, params.id, body.amount, body.final === true),
            ),
          ),
        { hold: params.id },
      ),
    releaseHold: async ({ caller, params, write, ok }) =>
      write(async (tx) => ok(holdView(await hub.ledger.release(tx, caller, params.id)))),
    refundHold: async ({ caller, params, body, write, ok }) =>
      write(async (tx) =>
        ok(holdView(await hub.ledger.refund(tx, caller, params.id, body.amount))),
      ),
    sendHoldEvent: async ({ caller, params, body, write, ok }) =>
      write(async (tx) => ok(holdView(await hub.ledger.event(tx, caller, params.id, body)))),

    getHold: async ({ caller, params: { id }, ok }) => {
      const hold = await hub.store.reader.getHold(id);
      if (hold === undefined || !canSeeHold(caller, hold))
        refuse('not_found', `hold ${id} not found`);
      await hub.expireBeforeRead({ holdId: id });
      const fresh = await hub.store.reader.getHold(id);
      if (fresh === undefined) refuse('not_found', `hold ${id} not found`);
      return ok(holdView(fresh));
    },

    listHolds: async ({ caller, query, ok }) => {
      // By key only within one payer's holds: the key has no index of its own (sqlite/migrations v17).
      if (query.idempotencyKey !== undefined && query.payer === undefined) {
        refuse('invalid_request', 'query.idempotencyKey: give the payer of the hold request too');
      }
      await hub.expireBeforeRead({});
      const limit = query.limit ?? listLimitDefault;
      // A client that acts for no account (an enrollment client) is party to no hold: its page is empty,
      // asked of no store (a stand-in party id could be some account's, and PostgreSQL refuses NUL).
      const party = caller.role === 'admin' ? undefined : caller.merchantId;
      const { holds, seqs } =
        party === null
          ? { holds: [], seqs: [] }
          : await hub.store.reader.listHolds({
              ...(query.payer === undefined ? {} : { payer: query.payer }),
              ...(query.payee === undefined ? {} : { payee: query.payee }),
              ...(query.status === undefined ? {} : { status: query.status }),
              ...(query.reference === undefined ? {} : { reference: query.reference }),
              ...(query.idempotencyKey === undefined
                ? {}
                : { placedKeyHash: placedKeyHash(caller.id, query.idempotencyKey) }),
              ...(party === undefined ? {} : { party }),
              beforeSeq: decodeCursor(query.cursor),
              limit: limit + 1,
            });
      const lastSeq = seqs[limit - 1];
      return ok({
        items: holds.slice(0, limit).map(holdView),
        nextCursor: holds.length > limit && lastSeq !== undefined ? encodeCursor(lastSeq) : null,
        // Holds placed before the hub kept keys are found by none: the caller weighs an empty page.
        ...(query.idempotencyKey === undefined
          ? {}
          : { placedKeysSince: new Date(await hub.store.reader.placedKeysSince()).toISOString() }),
      });
    },
  } satisfies Partial<RouteHandlers>;
}
