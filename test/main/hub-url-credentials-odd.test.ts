// A hub URL whose userinfo the URL parser finds although it does not start 'scheme://' (a leading space,
// 'https:u:pw@h'), or one it cannot parse at all, is refused without its password in the words either.
import { describe, expect, it } from 'vitest';
import { hubUrlProblem } from '../../src/shared/hub-url.ts';

describe('an oddly written hub URL with credentials', () => {
  it.each([' https://u:pw@h/', 'https:u:pw@h/'])(
    '%s is refused, its password not in the words',
    (hubUrl) => {
      const problem = hubUrlProblem(hubUrl);
      expect(problem).toMatch(/must not carry credentials/);
      expect(problem).not.toContain('pw');
    },
  );

  it('an unparsable one with a slash in its password does not print the password', () => {
    const problem = hubUrlProblem('https://u:p/w@host');
    expect(problem).toMatch(/is not a URL/);
    expect(problem).not.toContain('p/w');
  });
});
