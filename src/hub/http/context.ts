// What every route needs: the store, the ledger rules, the clock, and the request helpers
// (authentication, body validation, idempotent writes, lazy expiry) in one place.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { assert } from '../../shared/assert.ts';
import { idempotencyKeyLengthMax } from '../../shared/limits.ts';
import type { Role } from '../../shared/hub-api.ts';
import { HubError, refuse } from '../errors.ts';
import type { HubStore, JobReads, StoreTx } from '../storage/port.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Clock } from '../clock.ts';
import { hashToken } from './tokens.ts';
import { requestHash } from './canonical-json.ts';
import { RateLimiter } from './rate-limit.ts';
import { nulTextPath } from './nul-text.ts';

export interface Reply {
  status: number;
  body: unknown;
  /** The body already serialised (a stored answer): sent as is. */
  json?: string;
  /** The person this answer shows (an enrolment): its stored copy goes when they are erased. */
  personId?: string;
  /** Extension headers of this answer (README: extensions), e.g. FacePay-Scrub on an erasure. */
  headers?: Readonly<Record<string, string>>;
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
   * The calling client, from its bearer token; 401 without one, 429 over its rate. Always the committed
   * state, so a revoked or rotated token stops at once, here and on any other hub instance sharing the
   * database: PostgreSQL reads it on every request; SQLite, owned by this one process, answers from a
   * cache emptied at every commit that changed a client (client-token-cache.ts).
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
    const nul = nulTextPath(value);
    if (nul !== null) refuse('invalid_request', `${what}${nul}: text may not contain NUL`);
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
   * with the key is refused; otherwise `run` executes and its answer is stored in one transaction
   * with the money it moved. A refusal is an answer too: `run`'s writes are undone with the job (the
   * store runs each job under a savepoint of its own, which the job's throw rolls back), and the
   * refusal is stored under the key by a second write that moves no money. One savepoint per request
   * instead of two: on PostgreSQL that is two round trips fewer for every request that succeeds.
   */
  async idempotentWrite(
    request: FastifyRequest,
    client: ClientRecord,
    run: (tx: StoreTx) => Promise<Reply>,
    options: { required: boolean; reads?: JobReads } = { required: true },
  ): Promise<Reply & { replayed: boolean }> {
    if (request.headers['idempotency-key'] === undefined && !options.required) {
      return this.write(run, options.reads);
    }
    const { key, hash } = keyedRequest(request);
    const answer = (tx: StoreTx, reply: Reply) => this.storeAnswer(tx, client, key, hash, reply);
    // Both jobs look up the stored answer first: the store may read it ahead (one round trip fewer),
    // with what `run` reads next.
    const reads = { storedResponse: { clientId: client.id, key } };
    const runReads = { ...options.reads, ...reads };
    try {
      return await this.store.write(async (tx) => {
        const stored = await storedAnswer(tx, client, key, hash);
        if (stored !== undefined) return stored;
        let reply: Reply;
        try {
          reply = await run(tx);
        } catch (error) {
          if (error instanceof HubError && error.status < 500) throw new RefusedRun(error);
          throw error;
        }
        return answer(tx, reply);
      }, runReads);
    } catch (error) {
      if (!(error instanceof RefusedRun)) throw error;
      return this.storeRefusal(request, client, error.refusal);
    }
  }

  /**
   * A refusal of a request under its Idempotency-Key, stored as the key's answer like any other: the
   * same request asked again gets it, not a second run. Another request with this key may have stored
   * its answer in between: that one stands, and is the answer. Also for a refusal from a route's own
   * checks before its write (POST /v1/persons: see storedReply).
   */
  async storeRefusal(
    request: FastifyRequest,
    client: ClientRecord,
    refusal: HubError,
  ): Promise<Reply & { replayed: boolean }> {
    assert(refusal.status < 500, 'only a refusal is an answer to keep');
    const { key, hash } = keyedRequest(request);
    const answer = { status: refusal.status, body: errorBody(refusal) };
    return this.store.write(
      async (tx) =>
        (await storedAnswer(tx, client, key, hash)) ??
        this.storeAnswer(tx, client, key, hash, answer),
      { storedResponse: { clientId: client.id, key } },
    );
  }

  /**
   * The answer stored under the request's Idempotency-Key, before the route does any work of its own
   * (undefined: no key, or nothing stored yet); another request under the key is refused. For a route
   * whose work before its write cannot be done twice (POST /v1/persons: the sealed PIN's nonce is spent
   * once, and the account and document are taken once the person exists): the retry of a request whose
   * answer was lost gets that answer, not the refusal its repeated checks would give.
   */
  async storedReply(
    request: FastifyRequest,
    client: ClientRecord,
  ): Promise<(Reply & { replayed: boolean }) | undefined> {
    if (request.headers['idempotency-key'] === undefined) return undefined;
    const { key, hash } = keyedRequest(request);
    // Stored answers are read in write jobs only (a job's read-ahead); this one writes nothing.
    const reads = { storedResponse: { clientId: client.id, key } };
    return this.store.write((tx) => storedAnswer(tx, client, key, hash), reads);
  }

  private async storeAnswer(
    tx: StoreTx,
    client: ClientRecord,
    key: string,
    hash: Uint8Array,
    reply: Reply,
  ): Promise<Reply & { replayed: boolean }> {
    const json = JSON.stringify(reply.body);
    await tx.putStoredResponse(client.id, key, {
      requestHash: hash,
      status: reply.status,
      body: json,
      createdAt: this.clock.now(),
      ...(reply.personId === undefined ? {} : { personId: reply.personId }),
    });
    return { status: reply.status, body: reply.body, json, replayed: false };
  }

  async write(
    run: (tx: StoreTx) => Promise<Reply>,
    reads?: JobReads,
  ): Promise<Reply & { replayed: boolean }> {
    const reply = await this.store.write(run, reads);
    return { ...reply, replayed: false };
  }

  /** Runs passed deadlines through the writer before a read, so no read shows a stale hold. */
  async expireBeforeRead(scope: { holdId?: string; accountId?: string }): Promise<void> {
    for (let round = 0; round < 100; round++) {
      const due = await this.store.reader.dueHoldIds(this.clock.now(), scope, 1);
      if (due.length === 0) return;
      // None closed: what is still due could not expire (Ledger.expireDue skipped it); asking again won't.
      if ((await this.store.write((tx) => this.ledger.expireDue(tx, scope))) === 0) return;
    }
  }
}

/** The request's Idempotency-Key (1..idempotencyKeyLengthMax characters) and its hash under it. */
function keyedRequest(request: FastifyRequest): { key: string; hash: Uint8Array } {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key.length < 1 || key.length > idempotencyKeyLengthMax) {
    refuse(
      'invalid_request',
      `Idempotency-Key header of 1..${idempotencyKeyLengthMax} characters is required`,
    );
  }
  // The request as the route reads it: each path segment decoded (shop:1 and shop%3A1 name one account)
  // and written again in one spelling, and no body as {} (a release reads both alike).
  const path = (request.url.split('?')[0] ?? '').split('/').map(canonicalSegment).join('/');
  return { key, hash: requestHash(request.method, path, request.body ?? {}) };
}

/** One spelling of a path segment: encodeURIComponent of what it decodes to (the segment as sent if it does not). */
function canonicalSegment(segment: string): string {
  try {
    return encodeURIComponent(decodeURIComponent(segment));
  } catch {
    return segment;
  }
}

/** The answer stored under the client's key, replayed; refused when it was for another request. */
async function storedAnswer(
  tx: StoreTx,
  client: ClientRecord,
  key: string,
  hash: Uint8Array,
): Promise<(Reply & { replayed: boolean }) | undefined> {
  const stored = await tx.getStoredResponse(client.id, key);
  if (stored === undefined) return undefined;
  if (!timingSafeEqual(stored.requestHash, hash)) {
    refuse('idempotency_key_reused', 'this Idempotency-Key was used with another request');
  }
  return { status: stored.status, body: undefined, json: stored.body, replayed: true };
}

/**
 * A refusal from inside an idempotent write's `run`, carried out of the job so the store undoes the
 * job's writes; told apart from a refusal of the key itself (idempotency_key_reused), not stored.
 */
class RefusedRun extends Error {
  constructor(readonly refusal: HubError) {
    super(refusal.message);
  }
}

export function errorBody(error: HubError): unknown {
  return { error: { code: error.code, message: error.message, ...error.extra } };
}

export function send(reply: FastifyReply, result: Reply & { replayed?: boolean }): FastifyReply {
  if (result.replayed === true) void reply.header('Idempotent-Replayed', 'true');
  for (const [name, value] of Object.entries(result.headers ?? {})) void reply.header(name, value);
  if (result.json !== undefined) {
    return reply.code(result.status).type('application/json; charset=utf-8').send(result.json);
  }
  return reply.code(result.status).send(result.body);
}
