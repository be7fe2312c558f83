// Erasing a guardian changes each child enrolled under them (the child's guardian is cleared in the
// erasure's transaction): each child gets its own audit row, `person.guardian_cleared` (subject the child,
// actor the erasing client, reason person_erased), as each standing limit an erasure revokes does.
//
// Found in review: the guardian's `person.erased` row was the only one; the children's records changed
// with no row naming them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { account } from './helpers.ts';
import {
  enrolTestPerson,
  startIdentityHub,
  testPersonBody,
  type IdentityTestHub,
} from './identity-helpers.ts';

let h: IdentityTestHub;
beforeEach(async () => {
  h = await startIdentityHub();
});
afterEach(async () => {
  await h.t.stop();
});

/** A child on `accountId` enrolled by admin under `guardianPersonId` (admin needs no consent). */
async function enrolChild(accountId: string, guardianPersonId: string): Promise<string> {
  await account(h.t, accountId, 'person');
  const enrolled = await h.t.call('POST', '/v1/persons', {
    body: {
      ...testPersonBody(h.t, h.hubKey, { accountId, dateOfBirth: '2016-03-03', pin: '5839' }),
      guardianPersonId,
    },
  });
  expect(enrolled).toMatchObject({ status: 201, body: { guardianPersonId } });
  return enrolled.body.id as string;
}

describe("a guardian's erasure", () => {
  it('writes one audit row per child whose guardian it cleared, and none for anyone else', async () => {
    const parent = await enrolTestPerson(h.t, h.hubKey, {
      enroller: h.enroller,
      accountId: 'parent',
    });
    const other = await enrolTestPerson(h.t, h.hubKey, {
      enroller: h.enroller,
      accountId: 'other',
    });
    const kids = [await enrolChild('kid1', parent.id), await enrolChild('kid2', parent.id)];
    const otherKid = await enrolChild('kid3', other.id);
    const before = (await h.t.hub.store.auditRows(0, 10_000)).length;

    const erased = await h.t.call('DELETE', `/v1/persons/${parent.id}`, {
      token: h.enroller.token,
    });
    expect(erased.status).toBe(204);

    const rows = (await h.t.hub.store.auditRows(0, 10_000)).slice(before);
    expect(rows.map((row) => [row.kind, row.subject])).toEqual(
      expect.arrayContaining([
        ['person.erased', parent.id],
        ...kids.sort().map((kid) => ['person.guardian_cleared', kid]),
      ]),
    );
    const cleared = rows.filter((row) => row.kind === 'person.guardian_cleared');
    expect(cleared.map((row) => row.subject).sort()).toEqual(kids.sort());
    for (const row of cleared) {
      expect(row.actor).toBe(h.enroller.id);
      expect(JSON.parse(row.data)).toEqual({
        reason: 'person_erased',
        guardianPersonId: parent.id,
      });
    }
    // The children are there, without a guardian; the other family is untouched.
    for (const kid of kids) {
      const shown = await h.t.call('GET', `/v1/persons/${kid}`);
      expect(shown.status).toBe(200);
      expect(shown.body.guardianPersonId).toBeNull();
    }
    expect((await h.t.call('GET', `/v1/persons/${otherKid}`)).body.guardianPersonId).toBe(other.id);
  });
});
