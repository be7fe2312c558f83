// The enrolment officer's ID check on real ICAO 9303 check digits: a good passport passes, a wrong check
// digit, an MRZ that disagrees with what was typed, an expired document and a bad My Number are refused.
import { describe, expect, it } from 'vitest';
import { checkIdDocument, myNumberCheckDigit } from '../../src/shared/id-document.ts';

const today = '2026-12-02';
/** A TD3 passport MRZ whose check digits were computed by the ICAO 7-3-1 rule (expires 2031-04-01). */
const passportMrz = [
  'P<JPNTANAKA<<HANAKO<<<<<<<<<<<<<<<<<<<<<<<<<',
  'TK12345671JPN9004012F3104013<<<<<<<<<<<<<<00',
].join('\n');
const passport = {
  type: 'passport',
  number: 'TK1234567',
  name: 'Hanako Tanaka',
  dateOfBirth: '1990-04-01',
  expiry: '2031-04-01',
  mrz: passportMrz,
};

describe('ID document check', () => {
  it('accepts a passport whose MRZ checks and agrees with the typed fields', () => {
    expect(checkIdDocument(passport, today)).toEqual({
      ok: true,
      document: { type: 'passport', number: 'TK1234567', dateOfBirth: '1990-04-01' },
    });
  });

  it('refuses an MRZ with a wrong check digit', () => {
    const mrz = passportMrz.replace('TK12345671', 'TK12345672');
    const result = checkIdDocument({ ...passport, mrz }, today);
    expect(result).toMatchObject({ ok: false, error: { code: 'mrz_invalid' } });
    if (!result.ok) expect(result.error.message).toMatch(/Document number check digit/);
  });

  it('refuses typed fields that disagree with the MRZ, naming them', () => {
    const result = checkIdDocument(
      { ...passport, dateOfBirth: '1990-04-02', name: 'Hanako Suzuki' },
      today,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'mrz_mismatch' } });
    if (!result.ok) expect(result.error.message).toMatch(/date of birth, name/);
  });

  it('refuses a passport without its MRZ, and an expired document', () => {
    expect(checkIdDocument({ ...passport, mrz: undefined }, today)).toMatchObject({
      ok: false,
      error: { code: 'mrz_required' },
    });
    expect(checkIdDocument({ ...passport, expiry: '2026-12-01' }, today)).toMatchObject({
      ok: false,
      error: { code: 'document_expired' },
    });
    // Valid through its expiry day.
    const lastDay = checkIdDocument(
      {
        type: 'drivers_licence',
        number: '3012 3456 7890',
        name: '田中 花子',
        dateOfBirth: '1990-04-01',
        expiry: today,
      },
      today,
    );
    expect(lastDay.ok).toBe(true);
  });

  it("checks a My Number card's check digit", () => {
    expect(myNumberCheckDigit('12345678901')).toBe(8);
    const card = {
      type: 'my_number_card',
      name: '田中 花子',
      dateOfBirth: '1990-04-01',
      expiry: '2030-04-01',
    };
    expect(checkIdDocument({ ...card, number: '1234-5678-9018' }, today).ok).toBe(true);
    expect(checkIdDocument({ ...card, number: '123456789017' }, today)).toMatchObject({
      ok: false,
      error: { code: 'number_invalid' },
    });
  });

  it('refuses malformed input and numbers of the wrong format', () => {
    expect(checkIdDocument({ type: 'library_card' }, today)).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(
      checkIdDocument(
        {
          type: 'residence_card',
          number: 'AB1234567',
          name: 'X',
          dateOfBirth: '1990-01-01',
          expiry: '2030-01-01',
        },
        today,
      ),
    ).toMatchObject({ ok: false, error: { code: 'number_invalid' } });
    expect(checkIdDocument({ ...passport, mrz: 'NOT AN MRZ' }, today)).toMatchObject({
      ok: false,
      error: { code: 'mrz_invalid' },
    });
  });
});
