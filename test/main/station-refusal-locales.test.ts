// Every refusal the enrolment station can give has its own title and body in Japanese and English
// (enrol.refused.codes.*), so the officer never reads the service's English sentence: each code the
// station's calls answer, each reason it gives with one, and the renderer's own (a face not read, no camera).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { faceRefusalCodes } from '../../src/renderer/face/face-refusal.ts';
import { idDocumentErrorCodes, mrzFields } from '../../src/shared/id-document.ts';
import {
  deskRefusalReasons,
  enrolmentRefusalReasons,
  kioskErrorCodes,
  stationErrorCodes,
} from '../../src/shared/kiosk-api.ts';

const root = join(import.meta.dirname, '..', '..');
type Tree = { [key: string]: string | string[] | Tree };
const load = (language: string): Tree =>
  JSON.parse(
    readFileSync(join(root, 'src', 'renderer', 'locales', `${language}.json`), 'utf8'),
  ) as Tree;
const languages = { ja: load('ja'), en: load('en') };

function lookup(tree: Tree, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Tree | undefined)?.[key], tree);
}

/** What the renderer decides itself: a live face refused (each screen face-refusal.ts picks), a camera it
 * cannot open. */
const rendererCodes = [...faceRefusalCodes, 'camera'] as const;
const everyRefusal = [
  ...stationErrorCodes,
  ...idDocumentErrorCodes,
  ...enrolmentRefusalReasons,
  ...deskRefusalReasons,
  ...rendererCodes,
];

/** Three Latin words in a row: English in a Japanese text (MRZ, TD1 or PIN alone are names). */
const englishWords = /[A-Za-z]+(?:[\s,;:'’]+[A-Za-z]+){2,}/;

describe("the enrolment station's refusals in the resource files", () => {
  it.each(everyRefusal)('%s has a title and a body in Japanese and English', (code) => {
    for (const [language, tree] of Object.entries(languages)) {
      for (const part of ['title', 'body']) {
        const text = lookup(tree, `enrol.refused.codes.${code}.${part}`);
        expect(text, `${language} ${code}.${part}`).toEqual(expect.any(String));
        expect((text as string).trim(), `${language} ${code}.${part}`).not.toBe('');
        if (language === 'ja') expect(text).not.toMatch(englishWords);
      }
    }
  });

  it('each code the station service writes is one the screens word (src/main/enrolment-station.ts)', () => {
    const source = readFileSync(join(root, 'src', 'main', 'enrolment-station.ts'), 'utf8');
    const written = [
      ...source.matchAll(/kioskFailure\(\s*'(\w+)'/g),
      ...source.matchAll(/\bcode: '(\w+)'/g),
    ].map((match) => match[1]);
    expect(written.length).toBeGreaterThan(10);
    const known: readonly string[] = kioskErrorCodes;
    const worded: readonly string[] = stationErrorCodes;
    for (const code of written) {
      if (known.includes(code ?? '')) expect(worded, code).toContain(code);
    }
  });

  it('a body interpolates only the facts the service or the face session passes, in both languages alike', () => {
    for (const code of everyRefusal) {
      const names = (language: 'ja' | 'en') =>
        [
          ...String(lookup(languages[language], `enrol.refused.codes.${code}.body`)).matchAll(
            /\{\{(\w+)\}\}/g,
          ),
        ].map((match) => match[1]);
      expect(names('ja'), code).toEqual(names('en'));
      names('ja').forEach((name) => expect(['fields', 'move'], code).toContain(name));
    }
    expect(lookup(languages.ja, 'enrol.refused.codes.mrz_mismatch.body')).toContain('{{fields}}');
    // The move asked is named where a challenge move failed (refusalWords passes it).
    for (const code of ['challenge_wrong_move', 'challenge_missed'])
      expect(lookup(languages.en, `enrol.refused.codes.${code}.body`)).toContain('{{move}}');
  });

  it('the MRZ fields and the lock minutes have their words in both', () => {
    for (const tree of Object.values(languages)) {
      for (const field of [...mrzFields, 'some']) {
        expect(lookup(tree, `enrol.refused.fields.${field}`)).toEqual(expect.any(String));
      }
      expect(lookup(tree, 'enrol.refused.lockedMinutes_other')).toContain('{{count}}');
      expect(lookup(tree, 'enrol.refused.line')).toMatch(/\{\{title\}\}.*\{\{body\}\}/);
    }
    expect(lookup(languages.en, 'enrol.refused.lockedMinutes_one')).toContain('{{count}}');
  });
});
