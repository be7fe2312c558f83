// Loaded with `node --import` into a kiosk process a crash test starts: its clock runs
// FACEPAY_TEST_CLOCK_AHEAD_MS ahead, as the test's hub clock does, so no test waits out an authorization.
// SIGUSR2 is time passing in it: its wall clock and its elapsed clock (performance.now, which counts
// reconcile's wait for a lost hold request) move FACEPAY_TEST_TIME_STEP_MS forward, as the test moves
// its hub's clock, so no test waits out that wait either.
function wholeMs(name: string): number {
  const ms = Number(process.env[name] ?? '0');
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new Error(`${name} must be a whole number of ms >= 0, not ${ms}`);
  }
  return ms;
}

const aheadMs = wholeMs('FACEPAY_TEST_CLOCK_AHEAD_MS');
const stepMs = wholeMs('FACEPAY_TEST_TIME_STEP_MS');
let passedMs = 0;
const realNow = Date.now.bind(Date);
const realElapsed = performance.now.bind(performance);
// The kiosk reads the wall clock only through Date.now (its service's and its hub link's `now`), and
// elapsed time only through performance.now (monotonic-clock.ts).
Date.now = () => realNow() + aheadMs + passedMs;
performance.now = () => realElapsed() + passedMs;
process.on('SIGUSR2', () => {
  passedMs += stepMs;
});
