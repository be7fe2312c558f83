// The kiosk speaks Japanese and English on every screen: both resource files carry the same keys, and
// every refusal the hub can send to a till or an enrolment station has its own words in both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enrolmentRefusalReasons } from '../../src/shared/kiosk-api.ts';

const localesDir = join(import.meta.dirname, '..', '..', 'src', 'renderer', 'locales');
type Tree = { [key: string]: string | string[] | Tree };
const load = (language: string): Tree =>
  JSON.parse(readFileSync(join(localesDir, `${language}.json`), 'utf8')) as Tree;

/** Every leaf's dotted path (arrays are one leaf each: a list of lines). */
function leaves(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'object' && !Array.isArray(value)
      ? leaves(value, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}

/** i18next's plural keys (`pin.incorrect_one`, `pin.incorrect_other`) name one text. */
const withoutPluralForm = (path: string) => path.replace(/_(zero|one|two|few|many|other)$/, '');

function lookup(tree: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Tree | undefined)?.[key], tree);
}

describe('kiosk resource files', () => {
  const ja = load('ja');
  const en = load('en');

  it('Japanese and English have the same keys (plural forms aside: Japanese has only "other")', () => {
    const words = (tree: Tree) => [...new Set(leaves(tree).map(withoutPluralForm))].sort();
    expect(words(ja)).toEqual(words(en));
  });

  it("a till's wrong-PIN cap has its own words at the till and at the enrolment station", () => {
    for (const tree of [ja, en]) {
      expect(lookup(tree, 'error.pin_checks_suspended.title')).toEqual(expect.any(String));
      expect(lookup(tree, 'error.pin_checks_suspended.body')).toEqual(expect.any(String));
      expect(lookup(tree, 'enrol.refused.codes.pin_checks_suspended.title')).toEqual(
        expect.any(String),
      );
      expect(lookup(tree, 'enrol.refused.codes.pin_checks_suspended.body')).toEqual(
        expect.any(String),
      );
    }
  });

  it('each reason the enrolment station gives for a refusal as enrolled has its own words in both', () => {
    for (const tree of [ja, en]) {
      const words = enrolmentRefusalReasons.map((reason) =>
        lookup(tree, `enrol.refused.codes.${reason}.body`),
      );
      words.forEach((text) => expect(text).toEqual(expect.any(String)));
      const enrolled = lookup(tree, 'enrol.refused.codes.already_enrolled.body');
      expect(new Set([...words, enrolled]).size).toBe(words.length + 1);
    }
  });
});
