// The Identity section of API.md over HTTP: hub key, persons, templates, erasure, identify, verify-pin,
// and extensions (PIN unlock, member number + PIN). Roles are checked here, rules in the service.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../shared/hub-api.ts';
import { refuse } from '../errors.ts';
import {
  pinAttemptsMax,
  pinChecksPerSecondPerClient,
  pinOnlyAmountMax,
  pinUnlockRateKeysMax,
  pinUnlocksPerDayPerPerson,
  pinUnlocksPerHourPerClient,
} from '../../shared/limits.ts';
import { RateLimiter, WindowLimiter } from '../http/rate-limit.ts';
import type { HubContext, Reply } from '../http/context.ts';
import { send } from '../http/context.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { PersonRecord } from '../storage/identity-records.ts';
import { isoTime } from '../clock.ts';
import type { IdentityService, PinOnlyOutcome } from './identity.ts';
import { isChild, maskDisplayName } from './people.ts';
import { assignEnrollmentClient, requirePersonOwner } from './ownership.ts';
import { join } from 'node:path';
import { commitNextTransformKey, prepareNextTransformKey } from './rekey.ts';
import { transformKeyId } from '../../biometrics/protect/cancelable-transform.ts';

const idParams = z.strictObject({ id: z.string().min(1).max(64) });

function personView(person: PersonRecord, templates: number, now: number): api.PersonView {
  return {
    id: person.id,
    displayNameMasked: maskDisplayName(person.displayName),
    accountId: person.accountId,
    child: isChild(person.dateOfBirth, now),
    requirePin: person.requirePin,
    guardianPersonId: person.guardianPersonId,
    idDocument: { type: person.idDocument.type, verifiedBy: person.idDocument.verifiedBy },
    templates,
    createdAt: isoTime(person.createdAt),
    memberNumber: person.memberNumber,
  };
}

function requirePayee(caller: ClientRecord, payee: string): void {
  if (caller.role === 'admin') return;
  if (caller.role !== 'merchant' || caller.merchantId !== payee) {
    refuse('forbidden', 'only the payee merchant identifies payers for its payments');
  }
}

export function registerIdentityRoutes(
  app: FastifyInstance,
  hub: HubContext,
  identity: IdentityService | undefined,
): void {
  const pinChecks = new RateLimiter(pinChecksPerSecondPerClient, () => hub.clock.now());
  // Unlock attempts, right document or not: an organisation cannot unlock its way through guesses.
  const unlocksByClient = new WindowLimiter(
    { max: pinUnlocksPerHourPerClient, windowMs: 3_600_000, keysMax: pinUnlockRateKeysMax },
    () => hub.clock.now(),
  );
  const unlocksByPerson = new WindowLimiter(
    { max: pinUnlocksPerDayPerPerson, windowMs: 86_400_000, keysMax: pinUnlockRateKeysMax },
    () => hub.clock.now(),
  );
  const service = (): IdentityService => {
    if (identity === undefined)
      refuse('unavailable', 'identity is not configured on this hub (no calibration)');
    return identity;
  };

  app.get('/v1/hub-key', async (request) => {
    await hub.authenticate(request);
    return { publicKey: service().hubPublicKey() };
  });

  app.post('/v1/persons', async (request, reply) => {
    const caller = await hub.authenticate(request, ['enrollment', 'admin']);
    const body = hub.parse(api.createPersonRequest, request.body);
    // Everything that needs no PIN is refused before Argon2id, so a refusal costs the hub nothing.
    await service().checkEnrolment(hub.store.reader, caller, body);
    const pinVerifier = await service().preparePin(body.sealedPin, {
      dateOfBirth: body.dateOfBirth,
      clientId: caller.id,
    });
    const result = await hub.write(async (tx) => {
      const person = await service().createPerson(tx, caller, body, pinVerifier);
      return { status: 201, body: personView(person, 0, hub.clock.now()) };
    });
    return send(reply, result);
  });

  app.get('/v1/persons/:id', async (request, reply) => {
    const caller = await hub.authenticate(request, ['enrollment', 'admin']);
    const { id } = hub.parse(idParams, request.params, 'path');
    const person = await hub.store.reader.getPerson(id);
    if (person === undefined) refuse('not_found', `person ${id} not found`);
    requirePersonOwner(caller, person);
    const templates = await hub.store.reader.countTemplates(id);
    return reply.send(personView(person, templates, hub.clock.now()));
  });

  app.post('/v1/persons/:id/templates', async (request, reply) => {
    const caller = await hub.authenticate(request, ['enrollment', 'admin']);
    const { id } = hub.parse(idParams, request.params, 'path');
    const body = hub.parse(api.addTemplatesRequest, request.body);
    let added: string[] = [];
    try {
      const result = await hub.write(async (tx) => {
        const outcome = await service().addTemplates(
          tx,
          caller,
          id,
          body.modelId,
          body.sealedTemplates,
        );
        added = outcome.templateIds;
        return { status: 201, body: { personId: id, ...outcome } };
      });
      return send(reply, result);
    } catch (error) {
      // The gallery follows the database: what the failed transaction added is taken out again.
      for (const templateId of added) identity?.gallery.remove(templateId);
      throw error;
    }
  });

  app.delete('/v1/persons/:id', async (request, reply) => {
    const caller = await hub.authenticate(request, ['enrollment', 'admin']);
    const { id } = hub.parse(idParams, request.params, 'path');
    const destroyed = await hub.store.write((tx) => service().deletePerson(tx, caller, id));
    for (const templateId of destroyed) identity?.gallery.remove(templateId);
    return reply.code(204).send();
  });

  // Extension: an officer's unlock after an ID check, by the enrolling organisation (or admin).
  app.post('/v1/persons/:id/unlock-pin', async (request, reply) => {
    const caller = await hub.authenticate(request, ['enrollment', 'admin']);
    const { id } = hub.parse(idParams, request.params, 'path');
    const body = hub.parse(api.unlockPinRequest, request.body ?? {});
    if (!unlocksByClient.take(caller.id))
      refuse(
        'rate_limited',
        `at most ${pinUnlocksPerHourPerClient} PIN unlocks an hour per client`,
      );
    const person = await hub.store.reader.getPerson(id);
    if (person === undefined) refuse('not_found', `person ${id} not found`);
    requirePersonOwner(caller, person);
    if (!unlocksByPerson.take(id))
      refuse('rate_limited', `at most ${pinUnlocksPerDayPerPerson} PIN unlocks a day per person`);
    const outcome = await hub.store.write((tx) =>
      service().unlockPin(tx, caller, id, body.idDocument),
    );
    if (outcome === 'document_mismatch')
      refuse(
        'id_document_mismatch',
        'the ID document shown is not the one this person enrolled with',
      );
    return reply.code(204).send();
  });

  // Extension: which enrolment client may enrol a person on a person account (admin).
  app.put('/v1/accounts/:id/enrollment-client', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    const { id } = hub.parse(idParams, request.params, 'path');
    const body = hub.parse(api.assignEnrollmentClientRequest, request.body);
    const assigned = await hub.store.write((tx) =>
      assignEnrollmentClient({
        tx,
        caller,
        accountId: id,
        clientId: body.clientId,
        at: hub.clock.now(),
      }),
    );
    return reply.send(assigned);
  });

  app.post('/v1/admin/rekey', async (request, reply) => {
    const caller = await hub.authenticate(request, ['admin']);
    hub.parse(z.strictObject({}), request.body ?? {});
    const keysDir = join(hub.dataDir, 'keys');
    const nextKey = await prepareNextTransformKey(keysDir);
    const templates = await hub.store.write((tx) => service().rekey(tx, caller, nextKey));
    await commitNextTransformKey(keysDir);
    await service().adoptTransformKey(nextKey, hub.store.reader);
    return reply.send({ templates, transformKeyId: transformKeyId(nextKey) });
  });

  app.post('/v1/identify', async (request, reply) => {
    const caller = await hub.authenticate(request, ['merchant', 'admin']);
    const body = hub.parse(api.identifyRequest, request.body);
    requirePayee(caller, body.payee);
    const result = await hub.write(async (tx) => ({
      status: 200,
      body: await service().identify(tx, caller, body),
    }));
    return send(reply, result);
  });

  app.post('/v1/verify-pin', async (request, reply) => {
    const caller = await hub.authenticate(request, ['merchant', 'admin']);
    const body = hub.parse(api.verifyPinRequest, request.body);
    requirePayee(caller, body.payee);
    const person = await hub.store.reader.getPerson(body.personId);
    if (person === undefined) refuse('not_found', `person ${body.personId} not found`);
    // A standing limit's consent needs a face identified for that purpose (never a payment's).
    const purpose = body.standingLimit === undefined ? 'payment' : 'standing_limit';
    service().requireIdentification(caller, body.personId, body.payee, body.amount, purpose);
    if (!pinChecks.take(caller.id)) refuse('rate_limited', 'one PIN check a second per till');
    if (person.pinFailures >= pinAttemptsMax)
      refuse('pin_locked', 'the PIN is locked; staff must check an ID to unlock it');
    const matched = await service().checkPin({
      verifier: person.pinVerifier,
      sealedPin: body.sealedPin,
      purpose: `verify:${person.id}`,
      clientId: caller.id,
    });
    const result = await hub.write(async (tx) => {
      const state = await service().recordPinResult(tx, caller, person.id, matched);
      if (state.locked) return { status: 423, body: lockedBody };
      if (!matched) return incorrectReply(state.attemptsLeft);
      const fresh = await tx.getPerson(person.id);
      if (fresh === undefined) refuse('not_found', `person ${person.id} not found`);
      return {
        status: 200,
        body: await service().issueAuthorization(
          tx,
          caller,
          fresh,
          body.payee,
          body.amount,
          body.standingLimit ?? null,
        ),
      };
    });
    if (matched) service().forgetIdentification(caller);
    return send(reply, result);
  });

  // Extension: the PIN fallback when the face fails. The same till scope, per-till rate limit (one
  // bucket with verify-pin), Argon2id pool and try counter as verify-pin; not idempotent, like it.
  app.post('/v1/pin-authorizations', async (request, reply) => {
    const caller = await hub.authenticate(request, ['merchant', 'admin']);
    const body = hub.parse(api.pinAuthorizationRequest, request.body);
    requirePayee(caller, body.payee);
    if (body.amount > pinOnlyAmountMax)
      refuse('face_required', `a PIN alone pays at most ${pinOnlyAmountMax} JPY; pay by face`);
    if (!pinChecks.take(caller.id)) refuse('rate_limited', 'one PIN check a second per till');
    const person = await hub.store.reader.findPersonByMemberNumber(body.memberNumber);
    const locked =
      person === undefined
        ? service().unknownMemberLocked(body.memberNumber)
        : person.pinFailures >= pinAttemptsMax;
    if (locked) refuse('pin_locked', 'the PIN is locked; staff must check an ID to unlock it');
    // An unknown number runs the same envelope check and Argon2id work as a known one.
    const matched = await service().checkPin({
      verifier: person?.pinVerifier ?? null,
      sealedPin: body.sealedPin,
      purpose: `member:${body.memberNumber}`,
      clientId: caller.id,
    });
    const result = await hub.write(async (tx) => {
      const current = person === undefined ? undefined : await tx.getPerson(person.id);
      const outcome =
        current === undefined
          ? await service().pinOnlyUnknown(tx, caller, body.memberNumber)
          : await service().pinOnly(tx, caller, {
              personId: current.id,
              matched,
              payee: body.payee,
              amount: body.amount,
            });
      return pinOnlyReply(outcome);
    });
    return send(reply, result);
  });
}

const lockedBody = {
  error: { code: 'pin_locked', message: 'the PIN is locked; staff must check an ID to unlock it' },
};

function incorrectReply(attemptsLeft: number): Reply {
  return {
    status: 422,
    body: { error: { code: 'pin_incorrect', message: 'the PIN is not correct', attemptsLeft } },
  };
}

function pinOnlyReply(outcome: PinOnlyOutcome): Reply {
  switch (outcome.kind) {
    case 'locked':
      return { status: 423, body: lockedBody };
    case 'incorrect':
      return incorrectReply(outcome.attemptsLeft);
    case 'face_required':
      return {
        status: 422,
        body: {
          error: { code: 'face_required', message: "a child's account pays by face and PIN" },
        },
      };
    case 'authorized':
      return {
        status: 200,
        body: {
          authorization: outcome.authorization,
          authorizationExpiresAt: outcome.authorizationExpiresAt,
          payer: outcome.payer,
          personId: outcome.personId,
          displayNameMasked: outcome.displayNameMasked,
        },
      };
  }
}
