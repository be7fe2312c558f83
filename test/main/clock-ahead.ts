// Loaded with `node --import` into a kiosk process a crash test starts: its clock runs
// FACEPAY_TEST_CLOCK_AHEAD_MS ahead, as the test's hub clock does, so no test waits out an authorization.
const aheadMs = Number(process.env['FACEPAY_TEST_CLOCK_AHEAD_MS'] ?? '0');
if (!Number.isSafeInteger(aheadMs) || aheadMs < 0) {
  throw new Error(`FACEPAY_TEST_CLOCK_AHEAD_MS must be a whole number of ms >= 0, not ${aheadMs}`);
}
const realNow = Date.now.bind(Date);
// The kiosk reads the wall clock only through Date.now (its service's and its hub link's `now`).
Date.now = () => realNow() + aheadMs;
