// The hub's HTTP routes, each written once: method, path, who may call, request and response schemas,
// success status. The Fastify server, the OpenAPI document and the typed HubClient are all built from it.
import type { z } from 'zod';
import * as api from './hub-api.ts';
import type { Role } from './hub-api.ts';
import { pinOnlyAmountMax } from './limits.ts';

/**
 * Extension: every answer of the hub carries its clock (milliseconds since the epoch) in this header, so a
 * kiosk whose own clock is off seals and signs by the hub's (src/main/hub-clock.ts); HTTP's Date header
 * has whole seconds only, and a test hub's clock is not the machine's.
 */
export const hubTimeHeader = 'hub-time';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call: `public` needs no token; `client` is any authenticated client, the handler then
 * checks its scope (a merchant's own holds, a payer's own standing limits); a role list is checked
 * before anything else runs.
 */
export type RouteAccess = 'public' | 'client' | readonly Role[];

export interface RouteSpec {
  readonly method: HttpMethod;
  /** Fastify's form: `:name` for a path parameter, named in `params`. */
  readonly path: `/v1/${string}`;
  readonly summary: string;
  readonly access: RouteAccess;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: z.ZodType;
  /** The body may be left out and then reads as `{}` (actions whose body is empty or optional). */
  readonly bodyOptional?: true;
  /** A money-moving POST: `Idempotency-Key` required, or accepted (API.md Conventions). */
  readonly idempotency?: 'required' | 'optional';
  readonly status: 200 | 201 | 204;
  /** The success body; null for a 204. */
  readonly response: z.ZodType | null;
  /** Extension headers the success answer may carry, by name: what each says (published in OpenAPI). */
  readonly responseHeaders?: Readonly<
    Record<string, { description: string; values: readonly string[] }>
  >;
}

const admin = ['admin'] as const;
const enrolment = ['enrollment', 'admin'] as const;
const till = ['merchant', 'admin'] as const;

/** A hold action: same path shape, idempotency and answer; the body is the action's own. */
const holdAction = <S extends z.ZodType>(action: string, summary: string, body: S) =>
  ({
    method: 'POST',
    path: `/v1/holds/:id/${action}`,
    summary,
    access: 'client',
    params: api.ledgerIdParams,
    body,
    idempotency: 'required',
    status: 200,
    response: api.holdSchema,
  }) as const;

const ledgerRoutes = {
  health: {
    method: 'GET',
    path: '/v1/health',
    summary: 'Liveness of the hub',
    access: 'public',
    status: 200,
    response: api.healthSchema,
  },
  openApi: {
    method: 'GET',
    path: '/v1/openapi.json',
    summary: 'This document: the contract as OpenAPI 3.1, generated from the route table',
    access: 'public',
    status: 200,
    response: api.openApiDocumentSchema,
  },
  createClient: {
    method: 'POST',
    path: '/v1/clients',
    summary: 'Create a client (admin); the token is shown once',
    access: admin,
    body: api.createClientRequest,
    status: 201,
    response: api.createdClientSchema,
  },
  getOwnClient: {
    method: 'GET',
    path: '/v1/clients/me',
    summary:
      'The calling client itself (any client; extension): a till learns which client its token is, e.g. to tell a rotated token from another client',
    access: 'client',
    status: 200,
    response: api.clientSchema,
  },
  getClient: {
    method: 'GET',
    path: '/v1/clients/:id',
    summary: 'Read a client (admin; extension)',
    access: admin,
    params: api.idParams,
    status: 200,
    response: api.clientSchema,
  },
  revokeClient: {
    method: 'DELETE',
    path: '/v1/clients/:id',
    summary: 'Revoke a client: its token is refused from the next request on (admin; extension)',
    access: admin,
    params: api.idParams,
    status: 204,
    response: null,
  },
  rotateClientToken: {
    method: 'POST',
    path: '/v1/clients/:id/rotate-token',
    summary: 'Give a client a new token, shown once; the old one stops at once (admin; extension)',
    access: admin,
    params: api.idParams,
    body: api.emptyRequest,
    bodyOptional: true,
    status: 200,
    response: api.createdClientSchema,
  },
  createAccount: {
    method: 'POST',
    path: '/v1/accounts',
    summary: 'Create an account (admin)',
    access: admin,
    body: api.createAccountRequest,
    idempotency: 'optional',
    status: 201,
    response: api.accountSchema,
  },
  getAccount: {
    method: 'GET',
    path: '/v1/accounts/:id',
    summary: 'Read an account with balance, held and available',
    access: 'client',
    params: api.ledgerIdParams,
    status: 200,
    response: api.accountSchema,
  },
  deposit: {
    method: 'POST',
    path: '/v1/accounts/:id/deposits',
    summary: 'Deposit from the issuer (admin)',
    access: admin,
    params: api.ledgerIdParams,
    body: api.depositRequest,
    idempotency: 'required',
    status: 201,
    response: api.accountSchema,
  },
  listEntries: {
    method: 'GET',
    path: '/v1/accounts/:id/entries',
    summary: 'Ledger entries, newest first',
    access: 'client',
    params: api.ledgerIdParams,
    query: api.listQuery,
    status: 200,
    response: api.listOf(api.entrySchema),
  },
  placeHold: {
    method: 'POST',
    path: '/v1/holds',
    summary: 'Place a hold',
    access: 'client',
    body: api.placeHoldRequest,
    idempotency: 'required',
    status: 201,
    response: api.holdSchema,
  },
  listHolds: {
    method: 'GET',
    path: '/v1/holds',
    summary: 'List holds, newest first',
    access: 'client',
    query: api.holdListQuery,
    status: 200,
    response: api.holdListPage,
  },
  getHold: {
    method: 'GET',
    path: '/v1/holds/:id',
    summary: 'Read a hold',
    access: 'client',
    params: api.ledgerIdParams,
    status: 200,
    response: api.holdSchema,
  },
  increaseHold: holdAction(
    'increase',
    'Raise an active hold to a new total',
    api.increaseHoldRequest,
  ),
  settleHold: holdAction(
    'settle',
    'Settle part or all of the remaining amount',
    api.settleHoldRequest,
  ),
  releaseHold: {
    ...holdAction('release', 'Release what remains and close the hold', api.releaseHoldRequest),
    bodyOptional: true,
  },
  refundHold: holdAction('refunds', 'Refund settled money to the payer', api.refundHoldRequest),
  sendHoldEvent: holdAction('events', "Send an event; the hold's rules run", api.holdEventRequest),
  createStandingLimit: {
    method: 'POST',
    path: '/v1/standing-limits',
    summary:
      "Extension: the payer's standing limit letting a payee place holds up to an amount per period",
    access: 'client',
    body: api.createStandingLimitRequest,
    idempotency: 'optional',
    status: 201,
    response: api.standingLimitSchema,
  },
  listStandingLimits: {
    method: 'GET',
    path: '/v1/standing-limits',
    summary:
      "Extension: the payer's standing limits (revoked ones too), newest first (admin or the payer)",
    access: 'client',
    query: api.standingLimitListQuery,
    status: 200,
    response: api.listOf(api.standingLimitSchema),
  },
  revokeStandingLimit: {
    method: 'DELETE',
    path: '/v1/standing-limits/:id',
    summary:
      'Extension: revoke a standing limit at once; holds placed after it need other consent (admin or the payer)',
    access: 'client',
    params: api.ledgerIdParams,
    status: 204,
    response: null,
  },
} as const satisfies Record<string, RouteSpec>;

const identityRoutes = {
  hubKey: {
    method: 'GET',
    path: '/v1/hub-key',
    summary: "The hub's X25519 public key for sealing probes and PINs",
    access: 'client',
    status: 200,
    response: api.hubKeySchema,
  },
  createPerson: {
    method: 'POST',
    path: '/v1/persons',
    summary:
      'Enrol a person (enrollment). Extension: an optional Idempotency-Key replays the stored answer (410 person_erased once that person was erased)',
    access: enrolment,
    body: api.createPersonRequest,
    idempotency: 'optional',
    status: 201,
    response: api.personSchema,
  },
  findPersons: {
    method: 'GET',
    path: '/v1/persons',
    summary:
      'Extension: the person enrolled on an account (accountId) or with a document (documentHash): all for the admin, only its own for an enrolment client',
    access: enrolment,
    query: api.personFindQuery,
    status: 200,
    response: api.personFindPage,
  },
  getPerson: {
    method: 'GET',
    path: '/v1/persons/:id',
    summary: 'Extension: read an enrolled person (masked name)',
    access: enrolment,
    params: api.idParams,
    status: 200,
    response: api.personSchema,
  },
  addTemplates: {
    method: 'POST',
    path: '/v1/persons/:id/templates',
    summary: "Add sealed templates to a person's face (enrollment)",
    access: enrolment,
    params: api.idParams,
    body: api.addTemplatesRequest,
    status: 201,
    response: api.addedTemplatesSchema,
  },
  deletePerson: {
    method: 'DELETE',
    path: '/v1/persons/:id',
    summary:
      'Erase a person and their templates. Extension: the same erasure asked again by the client that made it (or admin) is answered 204 again',
    access: enrolment,
    params: api.idParams,
    status: 204,
    response: null,
    responseHeaders: {
      'FacePay-Scrub': {
        description:
          "Extension (SQLite hubs): 'pending' while another reader of the database holds off the checkpoint that takes the erased rows out of its files; the erasure itself has committed, and the hub finishes the scrub by itself, after a restart too. Absent once scrubbed.",
        values: ['pending'],
      },
    },
  },
  unlockPin: {
    method: 'POST',
    path: '/v1/persons/:id/unlock-pin',
    summary:
      "Extension: unlock a locked PIN after an officer's ID check (the enrolling organisation or admin; rate limited)",
    access: enrolment,
    params: api.idParams,
    body: api.unlockPinRequest,
    bodyOptional: true,
    status: 204,
    response: null,
  },
  assignEnrollmentClient: {
    method: 'PUT',
    path: '/v1/accounts/:id/enrollment-client',
    summary:
      'Extension: assign a person account to the one enrolment client that may enrol a person on it (admin)',
    access: admin,
    params: api.idParams,
    body: api.assignEnrollmentClientRequest,
    status: 200,
    response: api.accountEnrollmentClientSchema,
  },
  transferEnrollments: {
    method: 'POST',
    path: '/v1/clients/:id/transfer-enrollments',
    summary:
      "Extension: move a revoked enrollment client's persons and the person accounts assigned to it to its active replacement, in one transaction; again, it moves nothing (admin)",
    access: admin,
    params: api.idParams,
    body: api.transferEnrollmentsRequest,
    status: 200,
    response: api.enrollmentsTransferSchema,
  },
  rekey: {
    method: 'POST',
    path: '/v1/admin/rekey',
    summary:
      "Extension: re-key every stored template to a new cancelable-transform key, without anyone's face (admin)",
    access: admin,
    body: api.emptyRequest,
    bodyOptional: true,
    status: 200,
    response: api.rekeyResultSchema,
  },
  identify: {
    method: 'POST',
    path: '/v1/identify',
    summary:
      "Identify a payer's sealed probe (merchant); a client with registered kiosks must send kioskAttestation",
    access: till,
    body: api.identifyRequest,
    status: 200,
    response: api.identifyResponseSchema,
  },
  verifyPin: {
    method: 'POST',
    path: '/v1/verify-pin',
    summary: "Verify the identified payer's sealed PIN (merchant)",
    access: till,
    body: api.verifyPinRequest,
    status: 200,
    response: api.authorizationSchema,
  },
  guardianConsent: {
    method: 'POST',
    path: '/v1/guardian-consents',
    summary:
      'Extension: a guardian\'s face + PIN (sealed for "guardian:<childAccountId>") consent to a child\'s ' +
      'enrolment on that account with the limits and blocked categories given (enrollment)',
    access: enrolment,
    body: api.guardianConsentRequest,
    status: 201,
    response: api.guardianConsentSchema,
  },
  pinAuthorization: {
    method: 'POST',
    path: '/v1/pin-authorizations',
    summary:
      'Extension: the PIN fallback when the face fails (merchant): member number + PIN sealed for ' +
      `"member:<memberNumber>" -> a single-use authorization; children and amounts over ${pinOnlyAmountMax} JPY need the face`,
    access: till,
    body: api.pinAuthorizationRequest,
    status: 200,
    response: api.pinAuthorizationSchema,
  },
} as const satisfies Record<string, RouteSpec>;

const kioskRoutes = {
  registerKiosk: {
    method: 'POST',
    path: '/v1/admin/kiosks',
    summary: "Extension: register a kiosk's Ed25519 and X25519 public keys for a client (admin)",
    access: admin,
    body: api.registerKioskRequest,
    status: 201,
    response: api.kioskSchema,
  },
  getKiosk: {
    method: 'GET',
    path: '/v1/admin/kiosks/:id',
    summary: 'Extension: read a kiosk (admin)',
    access: admin,
    params: api.idParams,
    status: 200,
    response: api.kioskSchema,
  },
  getOwnKiosk: {
    method: 'GET',
    path: '/v1/kiosks/:id',
    summary:
      "Extension: a kiosk registered to the calling client (merchant, enrollment), as the admin reads it: an idle kiosk notices its revocation without a signed request; 404 not_found for another client's",
    access: ['merchant', 'enrollment'],
    params: api.idParams,
    status: 200,
    response: api.kioskSchema,
  },
  revokeKiosk: {
    method: 'DELETE',
    path: '/v1/admin/kiosks/:id',
    summary: 'Extension: revoke a kiosk (admin); its client must still attest with another kiosk',
    access: admin,
    params: api.idParams,
    status: 204,
    response: null,
  },
  provisionTransformKey: {
    method: 'POST',
    path: '/v1/kiosks/:id/transform-key',
    summary:
      "Extension: the current cancelable-transform key sealed to the kiosk's box key (the kiosk's client, signed request)",
    access: ['merchant', 'enrollment'],
    params: api.idParams,
    body: api.provisionTransformKeyRequest,
    status: 200,
    response: api.provisionedTransformKeySchema,
  },
  reportKioskAlert: {
    method: 'POST',
    path: '/v1/kiosks/:id/alerts',
    summary:
      "Extension: the kiosk tells its hub that it paused face checks (failed looks in a row) or that staff resumed them (the kiosk's client, signed request); kept in the audit log, once per alertId",
    access: ['merchant', 'enrollment'],
    params: api.idParams,
    body: api.kioskAlertRequest,
    status: 201,
    response: api.kioskAlertSchema,
  },
  listKioskAlerts: {
    method: 'GET',
    path: '/v1/kiosks/:id/alerts',
    summary:
      "Extension: a kiosk's alerts, newest first (admin, or the kiosk's own client; another client's kiosk is 404 not_found)",
    access: ['admin', 'merchant', 'enrollment'],
    params: api.idParams,
    query: api.listQuery,
    status: 200,
    response: api.listOf(api.kioskAlertSchema),
  },
} as const satisfies Record<string, RouteSpec>;

/** Every route of the hub, by name (the HubClient's method names and the server's handler keys). */
export const hubRoutes = { ...ledgerRoutes, ...identityRoutes, ...kioskRoutes };

export type HubRoutes = typeof hubRoutes;
export type RouteName = keyof HubRoutes;
export const routeNames = Object.keys(hubRoutes) as RouteName[];

// ---- Types derived from the schemas -------------------------------------------------------------

type SchemaOf<R, K extends 'params' | 'query' | 'body'> = R extends {
  readonly [P in K]: infer S extends z.ZodType;
}
  ? S
  : undefined;

/** The path parameters a route's URL is filled with. */
export type RouteParams<N extends RouteName> =
  SchemaOf<HubRoutes[N], 'params'> extends z.ZodType
    ? z.input<SchemaOf<HubRoutes[N], 'params'>>
    : undefined;

/** The query a client sends, as the hub reads it (numbers are numbers, not strings). */
export type RouteQuery<N extends RouteName> =
  SchemaOf<HubRoutes[N], 'query'> extends z.ZodType
    ? z.output<SchemaOf<HubRoutes[N], 'query'>>
    : undefined;

/** The body a client sends (money as plain numbers: the schemas' input side). */
export type RouteBody<N extends RouteName> =
  SchemaOf<HubRoutes[N], 'body'> extends z.ZodType
    ? z.input<SchemaOf<HubRoutes[N], 'body'>>
    : undefined;

/** What a route answers on success, as its response schema yields it; null for a 204. */
export type RouteResponse<N extends RouteName> = HubRoutes[N]['response'] extends z.ZodType
  ? z.output<HubRoutes[N]['response']>
  : null;

type Part<K extends string, T, Optional extends boolean> = [T] extends [undefined]
  ? { readonly [P in K]?: never }
  : Optional extends true
    ? { readonly [P in K]?: T }
    : { readonly [P in K]: T };

type KeyPart<R> = R extends { readonly idempotency: 'required' }
  ? { readonly idempotencyKey: string }
  : R extends { readonly idempotency: 'optional' }
    ? { readonly idempotencyKey?: string }
    : { readonly idempotencyKey?: never };

/** Everything a client call of route N carries; keys the route has no use for cannot be given. */
export type RouteRequest<N extends RouteName> = Part<'params', RouteParams<N>, false> &
  Part<'query', RouteQuery<N>, Partial<RouteQuery<N>> extends RouteQuery<N> ? true : false> &
  Part<'body', RouteBody<N>, HubRoutes[N] extends { readonly bodyOptional: true } ? true : false> &
  KeyPart<HubRoutes[N]>;
