// What every route needs: the store, the ledger rules, the clock, and the request helpers
// (authentication, body validation, idempotent writes, lazy expiry) in one place.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import { idempotencyKeyLengthMax } from '../../shared/limits.ts';
import type { Role } from '../../shared/hub-api.ts';
import { HubError, refuse } from '../errors.ts';
import type { HubStore, StoreTx } from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Clock } from '../clock.ts';
import { hashToken } from './tokens.ts';
import { requestHash } from './canonical-json.ts';
import { RateLimiter } from './rate-limit.ts';

export interface Reply {
  status: number;
  body: unknown;
  /** The body already serialised (a stored answer): sent as is. */
  json?: string;
}

export class HubContext {
  private readonly rateLimiter: RateLimiter;
  readonly dataDir: string;

  constructor(
    readonly store: HubStore,
    readonly ledger: Ledger,
    readonly clock: Clock,
    options: { requestsPerSecondPerClient: number; dataDir: string },
  ) {
    this.rateLimiter = new RateLimiter(options.requestsPerSecondPerClient, () => clock.now());
    this.dataDir = options.dataDir;
  }

  /**
   * The calling client, from its bearer token; 401 without one, 429 over its rate. Read from the
   * committed state on every request (one indexed lookup), never from a cache, so a revoked or
   * rotated token stops at once, here and on any other hub instance sharing the database.
   */
  async authenticate(request: FastifyRequest, roles?: readonly Role[]): Promise<ClientRecord> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
    if (match?.[1] === undefined) refuse('unauthorized', 'missing or malformed bearer token');
    const hash = hashToken(match[1]);
    const client = await this.store.reader.findClientByTokenHash(hash);
    if (client === undefined) refuse('unauthorized', 'unknown token');
    assert(timingSafeEqual(client.tokenHash, hash), 'token hash lookup is exact');
    if (client.revokedAt !== null) refuse('unauthorized', 'this token was revoked');
    if (!this.rateLimiter.take(client.id)) refuse('rate_limited', 'too many requests; slow down');
    if (roles !== undefined && !roles.includes(client.role)) {
      refuse('forbidden', `this call needs role ${roles.join(' or ')}`);
    }
    return client;
  }

  parse<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.infer<S> {
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      const path =
        issue === undefined || issue.path.length === 0 ? what : `${what}.${issue.path.join('.')}`;
      refuse('invalid_request', `${path}: ${issue?.message ?? 'invalid'}`);
    }
    return result.data;
  }

  /**
   * A money-moving POST: same client + key + body answers the stored response again; another body
   * with the key is refused; otherwise `run` executes and its answer (success or refusal) is stored,
   * all in one transaction with the money it moved.
   */
  async idempotentWrite(
    request: FastifyRequest,
    client: ClientRecord,
    run: (tx: StoreTx) => Promise<Reply>,
    options: { required: boolean } = { required: true },
  ): Promise<Reply & { replayed: boolean }> {
    const key = request.headers['idempotency-key'];
    if (key === undefined && !options.required) return this.write(run);
    if (typeof key !== 'string' || key.length < 1 || key.length > idempotencyKeyLengthMax) {
      refuse(
        'invalid_request',
        `Idempotency-Key header of 1..${idempotencyKeyLengthMax} characters is required`,
      );
    }
    const hash = requestHash(request.method, request.url.split('?')[0] ?? '', request.body);
    return this.store.write(async (tx) => {
      const stored = await tx.getStoredResponse(client.id, key);
      if (stored !== undefined) {
        if (!timingSafeEqual(stored.requestHash, hash)) {
          refuse('idempotency_key_reused', 'this Idempotency-Key was used with another request');
        }
        return { status: stored.status, body: undefined, json: stored.body, replayed: true };
      }
      const reply = await runCatchingRefusals(tx, run);
      const json = JSON.stringify(reply.body);
      await tx.putStoredResponse(client.id, key, {
        requestHash: hash,
        status: reply.status,
        body: json,
        createdAt: this.clock.now(),
      });
      return { status: reply.status, body: reply.body, json, replayed: false };
    });
  }

  async write(run: (tx: StoreTx) => Promise<Reply>): Promise<Reply & { replayed: boolean }> {
    const reply = await this.store.write(run);
    return { ...reply, replayed: false };
  }

  /** Runs passed deadlines through the writer before a read, so no read shows a stale hold. */
  async expireBeforeRead(scope: { holdId?: string; accountId?: string }): Promise<void> {
    for (let round = 0; round < 100; round++) {
      const due = await this.store.reader.dueHoldIds(this.clock.now(), scope, 1);
      if (due.length === 0) return;
      await this.store.write((tx) => this.ledger.expireDue(tx, scope));
    }
  }
}

/** Refusals inside an idempotent write are answers too: undo their writes, keep the answer. */
async function runCatchingRefusals(
  tx: StoreTx,
  run: (tx: StoreTx) => Promise<Reply>,
): Promise<Reply> {
  try {
    return await tx.nested(() => run(tx));
  } catch (error) {
    if (error instanceof HubError && error.status < 500) {
      return { status: error.status, body: errorBody(error) };
    }
    throw error;
  }
}

export function errorBody(error: HubError): unknown {
  return { error: { code: error.code, message: error.message, ...error.extra } };
}

export function send(reply: FastifyReply, result: Reply & { replayed?: boolean }): FastifyReply {
  if (result.replayed === true) void reply.header('Idempotent-Replayed', 'true');
  if (result.json !== undefined) {
    return reply.code(result.status).type('application/json; charset=utf-8').send(result.json);
  }
  return reply.code(result.status).send(result.body);
}
