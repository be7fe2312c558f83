// A token bucket per client: a runaway integration gets 429s instead of starving the other clients.
// Memory is bounded by forgetting buckets that have refilled completely.

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.burst = perSecond * 2;
  }

  take(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
    );
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      return false;
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.forgetFull(now);
    return true;
  }

  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst)
        this.buckets.delete(key);
    }
  }
}

/**
 * At most `max` attempts per key in any `windowMs` (a sliding log), for rare, costly actions a token
 * bucket of under one per second cannot express (PIN unlocks per hour). Memory: at most `keysMax`
 * keys of at most `max` times each; when full, a new key is refused rather than an old one forgotten.
 */
export class WindowLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly options: { max: number; windowMs: number; keysMax: number },
    private readonly now: () => number,
  ) {}

  take(key: string): boolean {
    const now = this.now();
    const since = now - this.options.windowMs;
    const recent = (this.attempts.get(key) ?? []).filter((at) => at > since);
    if (recent.length >= this.options.max) return false;
    if (recent.length === 0 && !this.attempts.has(key) && !this.roomForKey(since)) return false;
    recent.push(now);
    this.attempts.set(key, recent);
    return true;
  }

  private roomForKey(since: number): boolean {
    if (this.attempts.size < this.options.keysMax) return true;
    for (const [key, times] of this.attempts) {
      if (times.every((at) => at <= since)) this.attempts.delete(key);
    }
    return this.attempts.size < this.options.keysMax;
  }
}
