// A hub URL with user:password@ can never be reached (Node's fetch refuses a URL with credentials), and its
// refusal goes to logs and terminals: it is refused, and the refusal never prints the password.
import { describe, expect, it } from 'vitest';
import { hubUrlProblem } from '../../src/shared/hub-url.ts';

describe('a hub URL with credentials', () => {
  it.each([
    'http://u:pw@10.0.0.1/',
    'https://u:pw@hub.example/facepay',
    'http://u:pw@127.0.0.1:8787',
    'https://u@hub.example',
  ])('%s is refused, its password not in the words', (hubUrl) => {
    const problem = hubUrlProblem(hubUrl);
    expect(problem).toMatch(/must not carry credentials/);
    expect(problem).not.toContain('pw');
    expect(problem).not.toContain('u@');
  });

  it('an unreadable one is refused without its password either', () => {
    const problem = hubUrlProblem('http://u:pw@[not-a-host/');
    expect(problem).toMatch(/is not a URL/);
    expect(problem).not.toContain('pw');
  });

  it('without them, the same hosts pass', () => {
    expect(hubUrlProblem('https://hub.example/facepay')).toBeNull();
    expect(hubUrlProblem('http://127.0.0.1:8787')).toBeNull();
  });
});
