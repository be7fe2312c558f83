// A check-in whose open-visits read (GET /v1/holds?payer=&status=active) gets no answer (a gateway's 503 page
// through a proxy), in Debian's Chromium against a real hub: the kiosk closes it before any hold request goes out, so
// the patient is told truly that nothing was held, in Japanese and English. Before, the screen could not tell
// this from a lost hold answer and said the check-in could not be confirmed (ask reception), while staff would
// find nothing pending. Screenshots: test-artifacts/kiosk-e2e-clinic-visits-read-lost-words.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { typeDigits, waitForScreen } from '../../scripts/kiosk/kiosk-browser.ts';
import { repoRoot } from '../biometrics/face-helpers.ts';
import { patientPin } from '../main/clinic-fixture.ts';
import { useClinicReceptionBehindProxy } from './kiosk/clinic-reception-behind-proxy.ts';
import { expectErrorScreenInBothLanguages, words } from './kiosk/locale-words.ts';

const artifacts = path.join(repoRoot, 'test-artifacts', 'kiosk-e2e-clinic-visits-read-lost-words');
/**
 * The next `left` reads of a patient's open visits are answered 503 by the proxy; `answered` counts them,
 * `holdRequests` counts the hold requests that reached the proxy.
 */
const outage = { left: 0, answered: 0, holdRequests: 0 };

const reception = useClinicReceptionBehindProxy({
  artifacts,
  prefix: 'facepay-clinic-visits-read-e2e-',
  answerHere: (method, url) => {
    const { pathname, searchParams } = new URL(url);
    if (pathname !== '/v1/holds') return undefined;
    if (method === 'POST') outage.holdRequests += 1;
    // The check-in's own read names the patient (payer) and open holds; the board's resume does not.
    const visitsRead =
      method === 'GET' && searchParams.has('payer') && searchParams.get('status') === 'active';
    if (!visitsRead || outage.left === 0) return undefined;
    outage.left -= 1;
    outage.answered += 1;
    // A gateway's page while the hub restarts: no answer of the hub's. The hub's own 503 to this read would
    // be hub_unreachable too: a 502, 503 or 504 to a read is no answer (test/main/clinic-check-in-hub-503).
    const page = '<html><body><h1>503 Service Unavailable</h1></body></html>';
    return new Response(page, { status: 503, headers: { 'content-type': 'text/html' } });
  },
});

describe('a check-in whose open-visits read gets no answer', () => {
  it('says nothing was held (no hold request went out), not that the check-in could not be confirmed', async () => {
    const clinic = reception.clinic();
    const shell = reception.shell();
    const { pageLog } = reception;
    const held = async () => (await clinic.test.admin.getAccount('patient')).held;
    const before = await held();
    const page = await reception.atMemberNumber();
    await typeDigits(page, clinic.memberNumber);
    outage.left = 1;
    await typeDigits(page, patientPin);
    await waitForScreen(page, ['error'], 30_000);
    expect(outage.answered, 'the open-visits read reached the proxy').toBe(1);
    expect(outage.holdRequests, 'no hold request went out').toBe(0);
    const screen = page.locator('[data-testid="error-screen"]');
    expect(await screen.getAttribute('data-code'), pageLog.slice(-20).join('\n')).toBe(
      'hub_unreachable',
    );
    expect(shell.runtime.service.status().payment).toBeNull();

    await expectErrorScreenInBothLanguages(page, {
      artifacts,
      shot: 'visits-read-lost',
      expected: (language) => ({
        title: words(language, 'error.hub_unreachable.title_clinic'),
        body: words(language, 'error.hub_unreachable.body_clinic'),
        buttons: [words(language, 'actions.close')],
      }),
    });
    expect(words('ja', 'error.hub_unreachable.body_clinic')).toContain('お預かりしていません');
    expect(words('en', 'error.hub_unreachable.body_clinic')).toContain('No money was held');
    expect(await held()).toBe(before);
  }, 180_000);
});
