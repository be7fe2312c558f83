// An MRZ date carries no century (YYMMDD), so the ID check reads it from today: a date of birth is the
// latest date with those digits that is not after today, an expiry the one from 50 years back to 49
// ahead. A typed date in another century disagrees with the MRZ: a child's passport (born 2015) typed as
// 1915 would enrol the child as an adult with no guardian's consent, and an expired passport typed a
// century on would pass as valid. A person aged 100 or more is therefore refused on an MRZ document.
import { describe, expect, it } from 'vitest';
import { checkIdDocument } from '../../src/shared/id-document.ts';

const today = '2026-12-02';

/** ICAO 9303's check digit: weights 7, 3, 1; digits as themselves, A-Z as 10-35, '<' as 0. */
function checkDigit(field: string): string {
  const value = (char: string) =>
    char === '<' ? 0 : /\d/.test(char) ? Number(char) : char.charCodeAt(0) - 55;
  const sum = [...field].reduce((total, char, i) => total + value(char) * [7, 3, 1][i % 3]!, 0);
  return String(sum % 10);
}

/** A TD3 passport MRZ for TANAKA SORA, TK1234567, born and expiring on the given YYMMDD, digits all good. */
function passportMrz(born: string, expires: string): string {
  const number = `TK1234567${checkDigit('TK1234567')}`;
  const birth = `${born}${checkDigit(born)}`;
  const expiry = `${expires}${checkDigit(expires)}`;
  const personal = `${'<'.repeat(14)}${checkDigit('<'.repeat(14))}`;
  const composite = checkDigit(`${number}${birth}${expiry}${personal}`);
  return [
    'P<JPNTANAKA<<SORA<<<<<<<<<<<<<<<<<<<<<<<<<<<',
    `${number}JPN${birth}M${expiry}${personal}${composite}`,
  ].join('\n');
}

const passport = (dateOfBirth: string, expiry: string, mrz: string) => ({
  type: 'passport',
  number: 'TK1234567',
  name: 'Sora Tanaka',
  dateOfBirth,
  expiry,
  mrz,
});

describe("the MRZ's dates and the century typed", () => {
  it("refuses a child's date of birth typed a century early, and takes it typed right", () => {
    const mrz = passportMrz('150401', '310401');
    expect(checkIdDocument(passport('1915-04-01', '2031-04-01', mrz), today)).toEqual({
      ok: false,
      error: {
        code: 'mrz_mismatch',
        message: 'the MRZ and the typed date of birth disagree',
        mrzMismatches: ['date_of_birth'],
      },
    });
    expect(checkIdDocument(passport('2015-04-01', '2031-04-01', mrz), today)).toEqual({
      ok: true,
      document: { type: 'passport', number: 'TK1234567', dateOfBirth: '2015-04-01' },
    });
  });

  it('reads a date of birth whose digits this century are still to come as last century', () => {
    // 2026-12-31 is after today: 261231 is 1926-12-31 (a person of 99).
    const mrz = passportMrz('261231', '310401');
    expect(checkIdDocument(passport('1926-12-31', '2031-04-01', mrz), today)).toMatchObject({
      ok: true,
    });
    // Today's digits are this century's today: a person of 100 on an MRZ is refused at the station.
    const hundred = passportMrz('261202', '310401');
    expect(checkIdDocument(passport('1926-12-02', '2031-04-01', hundred), today)).toMatchObject({
      ok: false,
      error: { code: 'mrz_mismatch', mrzMismatches: ['date_of_birth'] },
    });
  });

  it('refuses an expired passport whose expiry was typed a century on', () => {
    const mrz = passportMrz('900401', '200401');
    expect(checkIdDocument(passport('1990-04-01', '2120-04-01', mrz), today)).toMatchObject({
      ok: false,
      error: { code: 'mrz_mismatch', mrzMismatches: ['expiry'] },
    });
    expect(checkIdDocument(passport('1990-04-01', '2020-04-01', mrz), today)).toMatchObject({
      ok: false,
      error: { code: 'document_expired' },
    });
  });
});
