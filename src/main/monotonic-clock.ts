// The kiosk's elapsed-time clock, for timers and locks (PIN lockouts, idle payments and sign-ins, the
// open operator screen): a wall clock set forward would end them at once, one set back would stretch them.

/**
 * Milliseconds since an arbitrary start, never going back and blind to the wall clock (performance.now:
 * a monotonic clock; tests move it with fake timers, and the wall clock apart with setSystemTime).
 */
export function elapsedMs(): number {
  return performance.now();
}
