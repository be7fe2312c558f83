// The enrolment officer's ID check, before anything reaches the hub: the typed fields of the document,
// its number's own format and check digit, and for passports and MRZ cards the MRZ's check digits (parsed by
// the `mrz` package, ICAO 9303) agreeing with what was typed. An expired document is refused for an
// enrolment (not for erasure or PIN unlock of someone enrolled on it).
//
// Used by the enrolment station (issue 10) in the renderer and the kiosk service alike: pure TypeScript.
// Japanese residence cards carry no ICAO MRZ, so a residence card's MRZ is checked only when one is given
// (a foreign residence permit, TD1/TD2); its number then has the card's own format.
import { parse as parseMrz } from 'mrz';
import { z } from 'zod';
import { idDocumentTypes } from './hub-api.ts';

export type IdDocumentType = (typeof idDocumentTypes)[number];

export const typedIdDocumentSchema = z.strictObject({
  type: z.enum(idDocumentTypes),
  /** As printed on the document (spaces and hyphens are ignored). */
  number: z.string().min(1).max(32),
  /** In Latin letters as in the MRZ for passports ("Hanako Tanaka"); any script otherwise. */
  name: z.string().trim().min(1).max(100),
  dateOfBirth: z.iso.date(),
  expiry: z.iso.date(),
  /** The MRZ lines, typed or scanned (line breaks between them). Required for passports. */
  mrz: z.string().max(200).optional(),
});
export type TypedIdDocument = z.infer<typeof typedIdDocumentSchema>;

/** Every reason a document check refuses, for the screens that word each one. */
export const idDocumentErrorCodes = [
  'invalid_request',
  'number_invalid',
  'mrz_required',
  'mrz_invalid',
  'mrz_mismatch',
  'document_expired',
] as const;
export type IdDocumentErrorCode = (typeof idDocumentErrorCodes)[number];

/** The typed fields an MRZ can disagree with (mrz_mismatch), named for the officer to check again. */
export const mrzFields = ['number', 'date_of_birth', 'expiry', 'name'] as const;
export type MrzField = (typeof mrzFields)[number];

/** The MRZ's check digits (ICAO 9303), named for the officer when one does not check (mrz_invalid). */
export const mrzCheckDigits = [
  'number',
  'date_of_birth',
  'expiry',
  'personal_number',
  'composite',
] as const;
export type MrzCheckDigit = (typeof mrzCheckDigits)[number];

/** The `mrz` package's name of each check digit's field. */
const checkDigitOfField: Readonly<Record<string, MrzCheckDigit>> = {
  documentNumberCheckDigit: 'number',
  birthDateCheckDigit: 'date_of_birth',
  expirationDateCheckDigit: 'expiry',
  personalNumberCheckDigit: 'personal_number',
  compositeCheckDigit: 'composite',
};

export type IdDocumentCheck =
  | { ok: true; document: { type: IdDocumentType; number: string; dateOfBirth: string } }
  | {
      ok: false;
      error: {
        code: IdDocumentErrorCode;
        message: string;
        mrzMismatches?: MrzField[];
        mrzCheckDigits?: MrzCheckDigit[];
      };
    };

function refused(code: IdDocumentErrorCode, message: string): IdDocumentCheck {
  return { ok: false, error: { code, message } };
}

/** Upper case, no spaces or hyphens: the form the number is compared and hashed in. */
export function normaliseDocumentNumber(number: string): string {
  return number.replace(/[\s-]/g, '').toUpperCase();
}

/**
 * The My Number (individual number) check digit: digits P1..P11 counted from the right of the first
 * eleven, weights Q = n + 1 (n <= 6) or n - 5 (n >= 7); remainder r = sum mod 11; the digit is 0 when r <= 1,
 * else 11 - r (Ordinance of the Cabinet Office on the check digit of the individual number, art. 5).
 */
export function myNumberCheckDigit(first11: string): number {
  let sum = 0;
  for (let n = 1; n <= 11; n += 1) {
    const digit = Number(first11[11 - n]);
    sum += digit * (n <= 6 ? n + 1 : n - 5);
  }
  const remainder = sum % 11;
  return remainder <= 1 ? 0 : 11 - remainder;
}

const numberFormats: Record<IdDocumentType, { pattern: RegExp; describe: string }> = {
  my_number_card: { pattern: /^\d{12}$/, describe: '12 digits' },
  drivers_licence: { pattern: /^\d{12}$/, describe: '12 digits' },
  passport: { pattern: /^[A-Z0-9]{6,9}$/, describe: '6 to 9 letters and digits' },
  residence_card: {
    pattern: /^[A-Z]{2}\d{8}[A-Z]{2}$/,
    describe: '2 letters, 8 digits, 2 letters',
  },
};

function numberProblem(type: IdDocumentType, number: string): string | null {
  const format = numberFormats[type];
  if (!format.pattern.test(number)) return `the document number must be ${format.describe}`;
  if (type === 'my_number_card' && myNumberCheckDigit(number.slice(0, 11)) !== Number(number[11])) {
    return 'the individual number check digit is wrong';
  }
  return null;
}

/**
 * The ISO date an MRZ date (YYMMDD) names on `today` (YYYY-MM-DD); null when it is not six digits. MRZ dates
 * carry no century, so it is read from today, and the typed date must be that date, century and all
 * (comparing YYMMDD alone took a child's MRZ 150401 for a typed 1915-04-01: an adult, no guardian).
 *
 * A date of birth is the latest date with those digits that is not after today. So a person aged 100 or
 * more cannot be enrolled on an MRZ document (passport, MRZ residence card) at the station: their MRZ
 * reads as a date this century, and the typed date is refused as mrz_mismatch on date_of_birth. The
 * station has no other route for them (the hub's admin CLI enrols nobody); a document without an MRZ (My
 * Number card, driver's licence, residence card) is checked on its typed date alone.
 *
 * An expiry is the date with those digits from 50 years before today to 49 after (ICAO 9303 names no
 * century; documents are issued for about ten years): an expired passport's 200401 is 2020-04-01, so a
 * typed 2120-04-01 no longer passes it as valid (it is mrz_mismatch on expiry).
 */
function mrzIsoDate(
  yymmdd: string | null | undefined,
  kind: 'birth' | 'expiry',
  today: string,
): string | null {
  if (yymmdd === null || yymmdd === undefined || !/^\d{6}$/.test(yymmdd)) return null;
  const thisYear = Number(today.slice(0, 4));
  const monthDay = `${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
  const iso = (year: number) => `${String(year).padStart(4, '0')}-${monthDay}`;
  let year = thisYear - (thisYear % 100) + Number(yymmdd.slice(0, 2));
  if (kind === 'birth') return iso(iso(year) > today ? year - 100 : year);
  if (year > thisYear + 49) year -= 100;
  else if (year < thisYear - 50) year += 100;
  return iso(year);
}

/** The name's Latin words in upper case, sorted: "Hanako Tanaka" and MRZ "TANAKA<<HANAKO" agree. */
function nameWords(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .split(/[^A-Z]+/)
    .filter((word) => word !== '')
    .sort();
}

function mrzProblem(
  document: TypedIdDocument,
  number: string,
  lines: string[],
  today: string,
): IdDocumentCheck {
  let result;
  try {
    result = parseMrz(lines);
  } catch {
    return refused('mrz_invalid', 'the MRZ is not in a format this station reads (TD1, TD2, TD3)');
  }
  if (!result.valid) {
    const invalid = result.details.filter((detail) => !detail.valid);
    const message = `the MRZ does not check: ${invalid.map((detail) => detail.label).join(', ')}`;
    // A check digit is named for the officer; another fault (a letter where a digit goes, an unknown
    // state code) is only in the message, and the screen says "a check digit or the format".
    const failed = invalid.flatMap((detail) => {
      const digit = detail.field === null ? undefined : checkDigitOfField[detail.field];
      return digit === undefined ? [] : [digit];
    });
    // The composite digit covers the others' fields and digits, so it fails with any of them: named only
    // alone (then the fault is in what only it covers), not as a second typo beside the first.
    const digits = failed.length > 1 ? failed.filter((digit) => digit !== 'composite') : failed;
    if (digits.length === 0) return refused('mrz_invalid', message);
    return { ok: false, error: { code: 'mrz_invalid', message, mrzCheckDigits: digits } };
  }
  const fields = result.fields;
  const mismatches: MrzField[] = [];
  if (normaliseDocumentNumber(result.documentNumber ?? '') !== number) mismatches.push('number');
  if (mrzIsoDate(fields.birthDate, 'birth', today) !== document.dateOfBirth) {
    mismatches.push('date_of_birth');
  }
  if (mrzIsoDate(fields.expirationDate, 'expiry', today) !== document.expiry) {
    mismatches.push('expiry');
  }
  const mrzName = nameWords(`${fields.lastName ?? ''} ${fields.firstName ?? ''}`);
  if (mrzName.join(' ') !== nameWords(document.name).join(' ')) mismatches.push('name');
  if (mismatches.length > 0) {
    const typed = mismatches.map((field) => field.replaceAll('_', ' ')).join(', ');
    const message = `the MRZ and the typed ${typed} disagree`;
    return { ok: false, error: { code: 'mrz_mismatch', message, mrzMismatches: mismatches } };
  }
  return { ok: true, document: { type: document.type, number, dateOfBirth: document.dateOfBirth } };
}

/**
 * `today` is the station's local date (YYYY-MM-DD): a document is valid through its expiry day. An expired
 * document is refused unless `expired` is 'accepted': erasure and PIN unlock find a person enrolled on it
 * before it expired (its keyed hash covers only the type and number), and it is checked as closely
 * otherwise (number, MRZ check digits, the MRZ against every typed field, the expiry included).
 */
export function checkIdDocument(
  input: unknown,
  today: string,
  options: { expired: 'refused' | 'accepted' } = { expired: 'refused' },
): IdDocumentCheck {
  const parsed = typedIdDocumentSchema.safeParse(input);
  if (!parsed.success) return refused('invalid_request', parsed.error.issues[0]?.message ?? '');
  const document = parsed.data;
  const number = normaliseDocumentNumber(document.number);
  const problem = numberProblem(document.type, number);
  if (problem !== null) return refused('number_invalid', problem);
  if (document.expiry < today && options.expired === 'refused') {
    return refused('document_expired', 'the document has expired');
  }
  if (document.dateOfBirth >= today) {
    return refused('invalid_request', 'the date of birth must be in the past');
  }
  const lines = (document.mrz ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim().toUpperCase())
    .filter((line) => line !== '');
  if (lines.length === 0) {
    return document.type === 'passport'
      ? refused('mrz_required', "a passport's MRZ must be typed or scanned")
      : { ok: true, document: { type: document.type, number, dateOfBirth: document.dateOfBirth } };
  }
  return mrzProblem(document, number, lines, today);
}
