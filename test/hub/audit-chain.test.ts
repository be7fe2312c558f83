// The audit chain's MAC format is fixed: rows already in every database verify only if linkAuditRow
// keeps hashing the same bytes. Checked against the field-by-field HMAC it is defined as.
import { describe, expect, it } from 'vitest';
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { linkAuditRow, type AuditRowContent } from '../../src/hub/audit/chain.ts';

/** The definition: HMAC-SHA256 over the previous MAC, then each field as a 4-byte length and UTF-8. */
function referenceMac(key: Uint8Array, previous: Uint8Array, row: AuditRowContent): Uint8Array {
  const mac = createHmac('sha256', key);
  mac.update(previous);
  for (const field of [
    String(row.seq),
    String(row.at),
    row.kind,
    row.subject,
    row.actor,
    row.data,
  ]) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    mac.update(length);
    mac.update(bytes);
  }
  return new Uint8Array(mac.digest());
}

// Any text, lone surrogates included (they encode as U+FFFD either way).
const text = fc.string({ unit: 'binary', maxLength: 300 });

describe('audit chain MAC', () => {
  it('is the field-by-field HMAC it is defined as, for any row', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.record({
          seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
          at: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          kind: text,
          subject: text,
          actor: text,
          data: text,
        }),
        (key, previous, row) => {
          expect(linkAuditRow(key, previous, row)).toEqual(referenceMac(key, previous, row));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('tells rows apart that only a length prefix separates', () => {
    const key = randomBytes(32);
    const previous = new Uint8Array(32);
    const row = { seq: 1, at: 2, kind: 'ab', subject: 'c', actor: 'x', data: '{}' };
    const shifted = { ...row, kind: 'a', subject: 'bc' };
    expect(linkAuditRow(key, previous, row)).not.toEqual(linkAuditRow(key, previous, shifted));
  });
});
