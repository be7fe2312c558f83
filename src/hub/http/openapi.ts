// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests,
// so the published contract and the running code cannot drift apart.
import { z } from 'zod';
import * as api from '../../shared/hub-api.ts';
import { pinOnlyAmountMax } from '../../shared/limits.ts';

type Schema = z.ZodType;

function json(schema: Schema, io: 'input' | 'output') {
  return { 'application/json': { schema: z.toJSONSchema(schema, { io, unrepresentable: 'any' }) } };
}

interface Operation {
  summary: string;
  body?: Schema;
  response: Schema | null;
  status: number;
  idempotent?: 'required' | 'optional';
  auth?: boolean;
}

function operation(op: Operation) {
  const parameters = [];
  if (op.idempotent !== undefined) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: op.idempotent === 'required',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  return {
    summary: op.summary,
    ...(op.auth === false ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body === undefined
      ? {}
      : { requestBody: { required: true, content: json(op.body, 'input') } }),
    responses: {
      [String(op.status)]: {
        description: 'success',
        ...(op.response === null ? {} : { content: json(op.response, 'output') }),
      },
      default: { description: 'error', content: json(api.errorSchema, 'output') },
    },
  };
}

const holdAction = (summary: string, body: Schema) =>
  operation({ summary, body, response: api.holdSchema, status: 200, idempotent: 'required' });

export function buildOpenApi(): Record<string, unknown> {
  const list = (item: Schema) => api.listOf(item);
  return {
    openapi: '3.1.0',
    info: { title: 'FacePay hub API', version: '1.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/v1/health': {
        get: operation({
          summary: 'Liveness of the hub',
          response: z.object({ status: z.literal('ok') }),
          status: 200,
          auth: false,
        }),
      },
      '/v1/clients': {
        post: operation({
          summary: 'Create a client (admin); the token is shown once',
          body: api.createClientRequest,
          response: api.createdClientSchema,
          status: 201,
        }),
      },
      '/v1/clients/{id}': {
        get: operation({
          summary: 'Read a client (admin; extension)',
          response: api.clientSchema,
          status: 200,
        }),
        delete: operation({
          summary:
            'Revoke a client: its token is refused from the next request on (admin; extension)',
          response: null,
          status: 204,
        }),
      },
      '/v1/clients/{id}/rotate-token': {
        post: operation({
          summary:
            'Give a client a new token, shown once; the old one stops at once (admin; extension)',
          body: z.strictObject({}),
          response: api.createdClientSchema,
          status: 200,
        }),
      },
      '/v1/accounts': {
        post: operation({
          summary: 'Create an account (admin)',
          body: api.createAccountRequest,
          response: api.accountSchema,
          status: 201,
          idempotent: 'optional',
        }),
      },
      '/v1/accounts/{id}': {
        get: operation({
          summary: 'Read an account with balance, held and available',
          response: api.accountSchema,
          status: 200,
        }),
      },
      '/v1/accounts/{id}/deposits': {
        post: operation({
          summary: 'Deposit from the issuer (admin)',
          body: api.depositRequest,
          response: api.accountSchema,
          status: 201,
          idempotent: 'required',
        }),
      },
      '/v1/accounts/{id}/entries': {
        get: operation({
          summary: 'Ledger entries, newest first',
          response: list(api.entrySchema),
          status: 200,
        }),
      },
      '/v1/holds': {
        post: operation({
          summary: 'Place a hold',
          body: api.placeHoldRequest,
          response: api.holdSchema,
          status: 201,
          idempotent: 'required',
        }),
        get: operation({
          summary: 'List holds, newest first',
          response: list(api.holdSchema),
          status: 200,
        }),
      },
      '/v1/holds/{id}': {
        get: operation({ summary: 'Read a hold', response: api.holdSchema, status: 200 }),
      },
      '/v1/holds/{id}/increase': {
        post: holdAction('Raise an active hold to a new total', api.increaseHoldRequest),
      },
      '/v1/holds/{id}/settle': {
        post: holdAction('Settle part or all of the remaining amount', api.settleHoldRequest),
      },
      '/v1/holds/{id}/release': {
        post: holdAction('Release what remains and close the hold', api.releaseHoldRequest),
      },
      '/v1/holds/{id}/refunds': {
        post: holdAction('Refund settled money to the payer', api.refundHoldRequest),
      },
      '/v1/standing-limits': {
        post: operation({
          summary:
            "Extension: the payer's standing limit letting a payee place holds up to an amount per period",
          body: api.createStandingLimitRequest,
          response: api.standingLimitSchema,
          status: 201,
          idempotent: 'optional',
        }),
        get: operation({
          summary:
            "Extension: the payer's standing limits (revoked ones too), newest first (admin or the payer)",
          response: list(api.standingLimitSchema),
          status: 200,
        }),
      },
      '/v1/standing-limits/{id}': {
        delete: operation({
          summary:
            'Extension: revoke a standing limit at once; holds placed after it need other consent (admin or the payer)',
          response: null,
          status: 204,
        }),
      },
      '/v1/holds/{id}/events': {
        post: holdAction("Send an event; the hold's rules run", api.holdEventRequest),
      },
      ...identityPaths(),
      ...kioskPaths(),
    },
  };
}

function identityPaths(): Record<string, unknown> {
  return {
    '/v1/hub-key': {
      get: operation({
        summary: "The hub's X25519 public key for sealing probes and PINs",
        response: api.hubKeySchema,
        status: 200,
      }),
    },
    '/v1/persons': {
      post: operation({
        summary: 'Enrol a person (enrollment)',
        body: api.createPersonRequest,
        response: api.personSchema,
        status: 201,
      }),
    },
    '/v1/persons/{id}/templates': {
      post: operation({
        summary: "Add sealed templates to a person's face (enrollment)",
        body: api.addTemplatesRequest,
        response: api.addedTemplatesSchema,
        status: 201,
      }),
    },
    '/v1/persons/{id}': {
      get: operation({
        summary: 'Extension: read an enrolled person (masked name)',
        response: api.personSchema,
        status: 200,
      }),
      delete: operation({
        summary: 'Erase a person and their templates',
        response: null,
        status: 204,
      }),
    },
    '/v1/persons/{id}/unlock-pin': {
      post: operation({
        summary:
          "Extension: unlock a locked PIN after an officer's ID check (the enrolling organisation or admin; rate limited)",
        body: api.unlockPinRequest,
        response: null,
        status: 204,
      }),
    },
    '/v1/accounts/{id}/enrollment-client': {
      put: operation({
        summary:
          'Extension: assign a person account to the one enrolment client that may enrol a person on it (admin)',
        body: api.assignEnrollmentClientRequest,
        response: api.accountEnrollmentClientSchema,
        status: 200,
      }),
    },
    '/v1/identify': {
      post: operation({
        summary:
          "Identify a payer's sealed probe (merchant); a client with registered kiosks must send kioskAttestation",
        body: api.identifyRequest,
        response: api.identifyResponseSchema,
        status: 200,
      }),
    },
    '/v1/verify-pin': {
      post: operation({
        summary: "Verify the identified payer's sealed PIN (merchant)",
        body: api.verifyPinRequest,
        response: api.authorizationSchema,
        status: 200,
      }),
    },
    '/v1/pin-authorizations': {
      post: operation({
        summary:
          'Extension: the PIN fallback when the face fails (merchant): member number + PIN sealed for ' +
          `"member:<memberNumber>" -> a single-use authorization; children and amounts over ${pinOnlyAmountMax} JPY need the face`,
        body: api.pinAuthorizationRequest,
        response: api.pinAuthorizationSchema,
        status: 200,
      }),
    },
  };
}

function kioskPaths(): Record<string, unknown> {
  return {
    '/v1/admin/kiosks': {
      post: operation({
        summary:
          "Extension: register a kiosk's Ed25519 and X25519 public keys for a client (admin)",
        body: api.registerKioskRequest,
        response: api.kioskSchema,
        status: 201,
      }),
    },
    '/v1/admin/kiosks/{id}': {
      get: operation({
        summary: 'Extension: read a kiosk (admin)',
        response: api.kioskSchema,
        status: 200,
      }),
      delete: operation({
        summary:
          'Extension: revoke a kiosk (admin); its client must still attest with another kiosk',
        response: null,
        status: 204,
      }),
    },
    '/v1/kiosks/{id}/transform-key': {
      post: operation({
        summary:
          "Extension: the current cancelable-transform key sealed to the kiosk's box key (the kiosk's client, signed request)",
        body: api.provisionTransformKeyRequest,
        response: api.provisionedTransformKeySchema,
        status: 200,
      }),
    },
  };
}
