// PostgreSQL's writes carry their text values as literals (queries.ts textLiteral): the adapter's own
// quoting must write exactly what the pg driver's escapeLiteral writes, for any text without NUL.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import { literal, textLiteral } from '../../src/hub/storage/postgres/queries.ts';

/** Texts rich in what quoting must handle: quotes, backslashes, E-string and comment markers. */
const sqlish = fc.string({
  unit: fc.oneof(
    fc.constantFrom("'", '\\', "''", "\\'", 'E', ' ', '-', '$', '\n'),
    fc.string({ unit: 'grapheme', maxLength: 3 }),
    fc.string({ unit: 'binary', maxLength: 2 }),
  ),
  maxLength: 40,
});

describe('textLiteral', () => {
  it("writes what pg's escapeLiteral writes, for any text without NUL", () => {
    fc.assert(
      fc.property(sqlish, (text) => {
        fc.pre(!text.includes('\u0000'));
        expect(textLiteral(text)).toBe(pg.escapeLiteral(text));
        expect(literal(text)).toBe(pg.escapeLiteral(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('quotes each kind of text as the driver does', () => {
    for (const text of ['', 'plain', "O'Brien", 'back\\slash', "both \\' kinds", '{"a":"b\\"c"}']) {
      expect(textLiteral(text)).toBe(pg.escapeLiteral(text));
    }
  });
});
