// The Identity section of API.md over HTTP: hub key, persons, templates, erasure, identify, verify-pin,
// and extensions (PIN unlock, member number + PIN). Roles come from the route table, rules from the service.
import type * as api from '../../shared/hub-api.ts';
import { assert } from '../../shared/assert.ts';
import { HubError, refuse } from '../errors.ts';
import { errorStatus, type ErrorCode } from '../../shared/error-codes.ts';
import {
  pinAttemptsMax,
  pinChecksPerSecondPerClient,
  pinOnlyAmountMax,
  pinUnlockRateKeysMax,
  pinUnlocksPerHourPerClient,
} from '../../shared/limits.ts';
import { RateLimiter, WindowLimiter } from '../http/rate-limit.ts';
import { errorBody, type HubContext, type Reply } from '../http/context.ts';
import type { RouteHandlers } from '../http/table-routes.ts';
import type { ClientRecord } from '../storage/records.ts';
import type { PersonRecord } from '../storage/identity-records.ts';
import { isoTime } from '../clock.ts';
import type { IdentityService, PinOnlyOutcome } from './identity.ts';
import { isChild, maskDisplayName } from './people.ts';
import {
  assignEnrollmentClient,
  ownsPerson,
  requirePersonOwner,
  transferEnrollments,
} from './ownership.ts';
import { join } from 'node:path';
import {
  commitNextTransformKey,
  discardNextTransformKey,
  newTransformKey,
  writeNextTransformKey,
  type RekeyLock,
} from './rekey.ts';
import { transformKeyId } from '../../biometrics/protect/cancelable-transform.ts';
import { pinPaymentBinding } from '../../biometrics/protect/probe-seal.ts';
import { sodium } from '../../biometrics/protect/sodium.ts';

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
    consent:
      person.consent === null
        ? null
        : {
            version: person.consent.version,
            language: person.consent.language,
            at: isoTime(person.consent.at),
          },
  };
}

/** Refusals kept under a key: not a rate limit or a full queue, which a while later may not refuse. */
function keptRefusal(error: HubError): boolean {
  return error.status < 500 && error.status !== 429;
}

/**
 * A stored enrolment answer replayed for a person erased since: refused (410 person_erased), never the
 * stored view (the erasure cut it down to the person's id), and never a person brought back. Marked
 * replayed like the answer it stands for: it is the key's own fate (its person was created, then erased),
 * so a client that lost the first answer knows the request needs nothing more.
 */
async function unlessErased<R extends (Reply & { replayed: boolean }) | undefined>(
  hub: HubContext,
  reply: R,
): Promise<R | (Reply & { replayed: true })> {
  if (reply?.replayed !== true || reply.status !== 201) return reply;
  assert(reply.json !== undefined, 'a replayed answer is the stored JSON');
  const { id } = JSON.parse(reply.json) as { id: unknown };
  assert(typeof id === 'string', 'a stored enrolment answer names its person');
  if ((await hub.store.reader.getPerson(id)) !== undefined) return reply;
  const erased = new HubError(
    'person_erased',
    'the person this Idempotency-Key enrolled was erased since; enrol them again under a new key',
  );
  return { status: erased.status, body: errorBody(erased), replayed: true };
}

function requirePayee(caller: ClientRecord, payee: string): void {
  if (caller.role === 'admin') return;
  if (caller.role !== 'merchant' || caller.merchantId !== payee) {
    refuse('forbidden', 'only the payee merchant identifies payers for its payments');
  }
}

export function identityHandlers(hub: HubContext, identity: IdentityService | undefined) {
  const pinChecks = new RateLimiter(pinChecksPerSecondPerClient, () => hub.clock.now());
  // Unlock attempts, right document or not: an organisation cannot unlock its way through guesses.
  // Per client here, in this instance's memory (a throttle); per person in the audit log, on every
  // instance and across restarts (IdentityService.unlockPin: that one bounds guesses at one PIN).
  const unlocksByClient = new WindowLimiter(
    { max: pinUnlocksPerHourPerClient, windowMs: 3_600_000, keysMax: pinUnlockRateKeysMax },
    () => hub.clock.now(),
  );
  const service = (): IdentityService => {
    if (identity === undefined)
      refuse('unavailable', 'identity is not configured on this hub (no calibration)');
    return identity;
  };
  /** Every PIN check first: this instance's one-a-second bucket, then the client's wrong PINs of the day. */
  const admitPinCheck = async (caller: ClientRecord, who: 'till' | 'client'): Promise<void> => {
    if (!pinChecks.take(caller.id)) refuse('rate_limited', `one PIN check a second per ${who}`);
    await service().requirePinFailuresUnderCap(hub.store.reader, caller);
  };

  return {
    hubKey: async ({ ok }) => ok({ publicKey: service().hubPublicKey() }),

    createPerson: async ({ caller, body, request, write, ok }) => {
      // A retry under the key of a request whose answer was lost: its answer, before the checks that
      // would now refuse it (the account and document taken by that very person, the PIN's nonce spent).
      const stored = await unlessErased(hub, await hub.storedReply(request, caller));
      if (stored !== undefined) return stored;
      let pinVerifier: string;
      try {
        // Everything that needs no PIN is refused before Argon2id, so a refusal costs the hub nothing.
        await service().checkEnrolment(hub.store.reader, caller, body);
        pinVerifier = await service().preparePin(body.sealedPin, {
          dateOfBirth: body.dateOfBirth,
          clientId: caller.id,
        });
      } catch (error) {
        // Under a key, a refusal is the key's answer (the one stored first stands): the request asked
        // again, its PIN's nonce spent, gets it and runs no more. A retry that overtakes the first
        // request (a gateway's 502 while the hub still works) is refused probe_replayed, and that
        // refusal answers the first one too: no person is created that nobody heard of.
        const keyed = request.headers['idempotency-key'] !== undefined;
        if (!keyed || !(error instanceof HubError) || !keptRefusal(error)) throw error;
        return unlessErased(hub, await hub.storeRefusal(request, caller, error));
      }
      return unlessErased(
        hub,
        await write(async (tx) => {
          const person = await service().createPerson(tx, caller, body, pinVerifier);
          // Named so that the answer stored under the key is erased with the person (deletePerson).
          return { ...ok(personView(person, 0, hub.clock.now())), personId: person.id };
        }),
      );
    },

    // Extension: found by account or document. An enrolment client sees only the persons it enrolled, and
    // nothing says whether another organisation enrolled one (an empty list either way).
    findPersons: async ({ caller, query, ok }) => {
      const { reader } = hub.store;
      const person =
        query.accountId !== undefined
          ? await reader.findPersonByAccount(query.accountId)
          : await reader.findPersonByDocument(query.documentHash ?? '');
      if (person === undefined || !ownsPerson(caller, person)) {
        return ok({ items: [], nextCursor: null });
      }
      const templates = await reader.countTemplates(person.id);
      return ok({ items: [personView(person, templates, hub.clock.now())], nextCursor: null });
    },

    getPerson: async ({ caller, params: { id }, ok }) => {
      const person = await hub.store.reader.getPerson(id);
      if (person === undefined) refuse('not_found', `person ${id} not found`);
      requirePersonOwner(caller, person);
      const templates = await hub.store.reader.countTemplates(id);
      return ok(personView(person, templates, hub.clock.now()));
    },

    addTemplates: async ({ caller, params: { id }, body, write, ok }) => {
      let added: string[] = [];
      try {
        return await write(async (tx) => {
          const outcome = await service().addTemplates(
            tx,
            caller,
            id,
            body.modelId,
            body.sealedTemplates,
          );
          added = outcome.templateIds;
          return ok({ personId: id, ...outcome });
        });
      } catch (error) {
        // The gallery follows the database: what the failed transaction added is taken out again.
        for (const templateId of added) identity?.gallery.remove(templateId);
        throw error;
      }
    },

    deletePerson: async ({ caller, params: { id }, ok }) => {
      const erased = await hub.store.write((tx) => service().deletePerson(tx, caller, id));
      for (const templateId of erased.templateIds) identity?.gallery.remove(templateId);
      // The erasure committed: 204, as the contract says. The store's write already waited (at most
      // its bound) for the scrub that takes the deleted rows out of the database's files; if another
      // reader of the file still holds it off, the store keeps trying (and marks it for a restart),
      // and the answer says so in an extension header: of this person's erasure (asked again: the
      // earlier one), not of another person's erased since.
      if (hub.store.erasureScrub?.pending(erased.earlierErasureSeq) === true) {
        return { ...ok(undefined), headers: { 'FacePay-Scrub': 'pending' } };
      }
      return ok(undefined);
    },

    // Extension: an officer's unlock after an ID check, by the enrolling organisation (or admin).
    unlockPin: async ({ caller, params: { id }, body, ok }) => {
      if (!unlocksByClient.take(caller.id))
        refuse(
          'rate_limited',
          `at most ${pinUnlocksPerHourPerClient} PIN unlocks an hour per client`,
        );
      const person = await hub.store.reader.getPerson(id);
      if (person === undefined) refuse('not_found', `person ${id} not found`);
      requirePersonOwner(caller, person);
      const outcome = await hub.store.write((tx) =>
        service().unlockPin(tx, caller, id, body.idDocument),
      );
      if (outcome === 'document_mismatch')
        refuse(
          'id_document_mismatch',
          'the ID document shown is not the one this person enrolled with',
        );
      return ok(undefined);
    },

    // Extension: which enrolment client may enrol a person on a person account (admin).
    assignEnrollmentClient: async ({ caller, params: { id }, body, ok }) => {
      const assigned = await hub.store.write((tx) =>
        assignEnrollmentClient({
          tx,
          caller,
          accountId: id,
          clientId: body.clientId,
          at: hub.clock.now(),
        }),
      );
      return ok(assigned);
    },

    // Extension: a revoked enrolment client's persons and person accounts go to its replacement (admin).
    transferEnrollments: async ({ caller, params: { id }, body, ok }) => {
      const transferred = await hub.store.write((tx) =>
        transferEnrollments({ tx, caller, from: id, to: body.to, at: hub.clock.now() }),
      );
      return ok(transferred);
    },

    rekey: async ({ caller, ok }) => {
      // Refused (no identity here) before any file is made: a next key left behind refuses every re-key.
      const identityService = service();
      const keysDir = join(hub.dataDir, 'keys');
      const nextKey = newTransformKey(keysDir);
      const nextKeyId = transformKeyId(nextKey);
      const rekeyLock: RekeyLock = (fn) => hub.store.runExclusive('rekey', fn);
      // The key file is made inside the transaction, once it holds the re-key lock (no start sets it
      // aside meanwhile), and before any row moves under the key. Whether it may have been made: not
      // when the lock was not had (a start holds it past the lock timeout), nor when a next key file of
      // another re-key refused this one (409 rekey_unfinished, nothing written).
      let fileMayBeMade = false;
      const outcome = await identityService.rekeyAndAdopt(
        caller,
        nextKey,
        hub.store.reader,
        async () => {
          fileMayBeMade = true;
          try {
            await writeNextTransformKey(keysDir, nextKey);
          } catch (error) {
            if (error instanceof HubError && error.code === 'rekey_unfinished')
              fileMayBeMade = false;
            throw error;
          }
        },
      );
      if (!outcome.ok) {
        // Nothing stored: the key is used nowhere, and this re-key's next key file, if it made one,
        // goes, so a retry can start without a restart (a file of another re-key stays).
        if (outcome.stored === 'no') {
          sodium.memzero(nextKey);
          if (fileMayBeMade) await discardNextTransformKey(keysDir, nextKeyId, rekeyLock);
          // A fault the hub named (a stored template that does not open) is told on one line; an
          // unexpected one reaches the error handler, which logs its stack.
          if (outcome.error instanceof HubError && outcome.error.status >= 500)
            process.stderr.write(`rekey: nothing moved: ${outcome.error.message}\n`);
          throw outcome.error;
        }
        // The server may have committed (or be committing): the rows may need the next key file. It
        // stays; the start settles it (finishInterruptedRekey), and a re-key until then is refused.
        process.stderr.write(
          `rekey: the commit was not confirmed (${
            outcome.error instanceof Error ? outcome.error.message : String(outcome.error)
          }); transform.key.next stays for the next start to settle\n`,
        );
        if (outcome.error instanceof HubError) throw outcome.error;
        refuse(
          'unavailable',
          'the re-key may or may not have committed; restart the hub to settle it',
        );
      }
      const templates = outcome.templates;
      // The rows under the next key must be on disk before its file becomes transform.key (SQLite at
      // synchronous NORMAL answers a commit before the WAL's fsync): otherwise a power cut could bring
      // back the rows under the old key while no file holds it. A failed fsync leaves .next to the start.
      await hub.store.durable();
      await commitNextTransformKey(keysDir, nextKeyId, rekeyLock);
      return ok({ templates, transformKeyId: nextKeyId });
    },

    identify: async ({ caller, body, write, ok }) => {
      requirePayee(caller, body.payee);
      return write(async (tx) => ok(await service().identify(tx, caller, body)));
    },

    verifyPin: async ({ caller, body, write, ok }) => {
      requirePayee(caller, body.payee);
      const person = await hub.store.reader.getPerson(body.personId);
      if (person === undefined) refuse('not_found', `person ${body.personId} not found`);
      // A standing limit's consent needs a face identified for that purpose (never a payment's).
      const purpose = body.standingLimit === undefined ? 'payment' : 'standing_limit';
      await service().requireIdentification(
        hub.store.reader,
        caller,
        body.personId,
        body.payee,
        body.amount,
        purpose,
      );
      await admitPinCheck(caller, 'till');
      if (person.pinFailures >= pinAttemptsMax)
        refuse('pin_locked', 'the PIN is locked; staff must check an ID to unlock it');
      const matched = await service().checkPin({
        verifier: person.pinVerifier,
        sealedPin: body.sealedPin,
        purpose: `verify:${person.id}`,
        binding: pinPaymentBinding({ payee: body.payee, amount: body.amount }),
        clientId: caller.id,
      });
      return write(async (tx) => {
        // Erased while Argon2id ran: nobody's PIN to count or authorize.
        if ((await tx.getPerson(person.id)) === undefined)
          refuse('not_found', `person ${person.id} not found`);
        const state = await service().recordPinResult(tx, caller, person.id, matched);
        if (state.locked) return { status: 423, body: lockedBody };
        if (!matched) return incorrectReply(state.attemptsLeft);
        const fresh = await tx.getPerson(person.id);
        assert(fresh !== undefined, 'the person read in this transaction');
        // The identification is spent with the PIN that used it, once, whatever instance took the
        // other PIN checks that passed beside this one: checked again, and deleted, in this transaction.
        await service().requireIdentification(
          tx,
          caller,
          body.personId,
          body.payee,
          body.amount,
          purpose,
        );
        await tx.deleteIdentification(caller.id);
        return ok(
          await service().issueAuthorization(
            tx,
            caller,
            fresh,
            body.payee,
            body.amount,
            body.standingLimit ?? null,
          ),
        );
      });
    },

    // Extension: a guardian's face + PIN consent to a child's enrolment at this enrolment client. The
    // face in one transaction (its nonce and audit kept whatever it finds), Argon2id outside, then the
    // try on the guardian's one PIN counter (shared with verify-pin) and the consent in a second one.
    guardianConsent: async ({ caller, body, write }) => {
      await service().checkGuardianConsentRequest(hub.store.reader, caller, body);
      await admitPinCheck(caller, 'client');
      const face = await hub.store.write((tx) => service().identifyGuardian(tx, caller, body));
      if (face.kind !== 'matched') return guardianRefusal(face.kind);
      const matched = await service().checkPin({
        verifier: face.person.pinVerifier,
        sealedPin: body.sealedPin,
        purpose: `guardian:${body.childAccountId}`,
        clientId: caller.id,
      });
      return write(async (tx) => {
        const guardian = await tx.getPerson(face.person.id);
        if (guardian === undefined) refuse('not_found', 'the guardian was erased meanwhile');
        const state = await service().recordPinResult(tx, caller, guardian.id, matched);
        if (state.locked) return { status: 423, body: lockedBody };
        if (!matched) return incorrectReply(state.attemptsLeft);
        await service().checkGuardianConsentRequest(tx, caller, body);
        return {
          status: 201,
          body: await service().grantGuardianConsent(tx, caller, guardian, body),
        };
      });
    },

    // Extension: the PIN fallback when the face fails. The same till scope, per-till rate limit (one
    // bucket with verify-pin), Argon2id pool and try counter as verify-pin; not idempotent, like it.
    pinAuthorization: async ({ caller, body, write }) => {
      requirePayee(caller, body.payee);
      if (body.amount > pinOnlyAmountMax)
        refuse('face_required', `a PIN alone pays at most ${pinOnlyAmountMax} JPY; pay by face`);
      await admitPinCheck(caller, 'till');
      const person = await hub.store.reader.findPersonByMemberNumber(body.memberNumber);
      const locked =
        person === undefined
          ? await service().unknownMemberLocked(hub.store.reader, body.memberNumber)
          : person.pinFailures >= pinAttemptsMax;
      if (locked) refuse('pin_locked', 'the PIN is locked; staff must check an ID to unlock it');
      // An unknown number runs the same envelope check and Argon2id work as a known one.
      const matched = await service().checkPin({
        verifier: person?.pinVerifier ?? null,
        sealedPin: body.sealedPin,
        purpose: `member:${body.memberNumber}`,
        binding: pinPaymentBinding({ payee: body.payee, amount: body.amount }),
        clientId: caller.id,
      });
      return write(async (tx) => {
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
    },
  } satisfies Partial<RouteHandlers>;
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

function guardianRefusal(kind: 'not_identified' | 'ambiguous' | 'child' | 'locked'): Reply {
  switch (kind) {
    case 'locked':
      return { status: 423, body: lockedBody };
    case 'child':
      return refusal(
        'guardian_not_adult',
        'the face identified is a child: a guardian is an adult',
      );
    case 'ambiguous':
      return refusal(
        'guardian_not_identified',
        'the face matches more than one enrolled person: the guardian cannot be told apart',
      );
    case 'not_identified':
      return refusal('guardian_not_identified', 'the face matches no enrolled person');
  }
}

function refusal(code: ErrorCode, message: string): Reply {
  return { status: errorStatus[code], body: { error: { code, message } } };
}
