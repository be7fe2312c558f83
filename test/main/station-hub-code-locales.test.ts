// The hub's own codes the enrolment station words (stationHubCodes) and the MRZ's check digits have their
// words in Japanese and English, and each of those codes is one the hub's vocabulary has.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorStatus } from '../../src/shared/error-codes.ts';
import { mrzCheckDigits } from '../../src/shared/id-document.ts';
import { stationHubCodes } from '../../src/shared/kiosk-api.ts';

const root = join(import.meta.dirname, '..', '..');
type Tree = { [key: string]: string | Tree };
const load = (language: string): Tree =>
  JSON.parse(
    readFileSync(join(root, 'src', 'renderer', 'locales', `${language}.json`), 'utf8'),
  ) as Tree;
const languages = { ja: load('ja'), en: load('en') };

function lookup(tree: Tree, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Tree | undefined)?.[part], tree);
}

/** Three Latin words in a row: English in a Japanese text (MRZ alone is a name). */
const englishWords = /[A-Za-z]+(?:[\s,;:'’]+[A-Za-z]+){2,}/;

const keys = [
  ...stationHubCodes.flatMap((code) => [
    `enrol.refused.hubCodes.${code}.title`,
    `enrol.refused.hubCodes.${code}.body`,
  ]),
  ...mrzCheckDigits.map((digit) => `enrol.refused.checkDigits.${digit}`),
  'enrol.refused.mrzCheckDigits',
];

describe("the hub's codes and the MRZ's check digits in the resource files", () => {
  it('are codes of the hub', () => {
    for (const code of stationHubCodes) expect(Object.hasOwn(errorStatus, code), code).toBe(true);
  });

  it.each(Object.entries(languages))('has every one in %s', (language, tree) => {
    for (const key of keys) {
      const text = lookup(tree, key);
      expect(typeof text, `${language} ${key}`).toBe('string');
      expect((text as string).length, `${language} ${key}`).toBeGreaterThan(0);
      if (language === 'ja') expect(text as string, key).not.toMatch(englishWords);
    }
    expect(lookup(tree, 'enrol.refused.mrzCheckDigits')).toContain('{{digits}}');
  });
});
