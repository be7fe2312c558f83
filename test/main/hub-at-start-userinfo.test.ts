// The kiosk's start-up line about its hub names the hub's URL without any userinfo: a hubUrl written
// with a user and password (http://user:pw@host) must not put the password in the operator's log.
//
// Found in review: hubAtStartWords wrote hubUrl verbatim.
import { describe, expect, it } from 'vitest';
import { hubAtStartWords } from '../../src/main/hub-at-start.ts';

describe('the start-up line of a hubUrl with userinfo', () => {
  it('names the hub without the user or password, the rest of the URL as written', () => {
    const line = hubAtStartWords(
      { hubUrl: 'http://kiosk:s3cr@t@127.0.0.1:8080/hub', kioskId: 'k1' },
      { hub: 'unreachable', credentialsRefused: null },
    );
    expect(line).toContain('the hub at http://127.0.0.1:8080/hub ');
    expect(line).not.toContain('s3cr');
    expect(line).not.toContain('kiosk:');
  });
});
