// The kiosk behind a proxy whose hub is starting for a few requests the test picks: the e2e files on a hub's
// 503 while it restarts share this set-up instead of a copy each (the answer, the count, its reset).
import { afterEach } from 'vitest';
import { useKioskBehindProxy, type KioskBehindProxy } from './kiosk-behind-proxy.ts';

/**
 * useKioskBehindProxy whose proxy answers the next `outage.left` POSTs to `pathname` (0 unless a test sets
 * it, and again after each test) as the hub answers while it starts: 503 unavailable.
 */
export function useKioskWithHubStarting(
  artifacts: string,
  pathname: string,
): KioskBehindProxy & { outage: { left: number } } {
  const outage = { left: 0 };
  const kiosk = useKioskBehindProxy(artifacts, (method, url) => {
    if (method !== 'POST' || new URL(url).pathname !== pathname || outage.left === 0)
      return undefined;
    outage.left -= 1;
    const error = { code: 'unavailable', message: 'the hub is starting' };
    return Response.json({ error }, { status: 503 });
  });
  afterEach(() => {
    outage.left = 0;
  });
  return Object.assign(kiosk, { outage });
}
