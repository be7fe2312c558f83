// Every action the liveness challenge can ask for is shown to the shopper as words: each kind the
// controller may draw has its own prompt in Japanese and in English, none shared with another.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { challengeKinds } from '../../src/biometrics/liveness/active/challenge.ts';

const localesDir = join(import.meta.dirname, '..', '..', 'src', 'renderer', 'locales');
const prompts = (language: string): Record<string, unknown> =>
  (
    JSON.parse(readFileSync(join(localesDir, `${language}.json`), 'utf8')) as {
      prompt: Record<string, unknown>;
    }
  ).prompt;

describe('challenge prompts', () => {
  it.each(['ja', 'en'])('each challenge kind has its own prompt in %s', (language) => {
    const words = challengeKinds.map((kind) => prompts(language)[kind]);
    words.forEach((text) => expect(text).toEqual(expect.stringMatching(/\S/)));
    expect(new Set(words).size).toBe(challengeKinds.length);
  });
});
