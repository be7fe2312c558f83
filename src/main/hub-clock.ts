// The hub's clock as a kiosk reads it from its answers (hubTimeHeader): sealed probes, sealed PINs and signed
// requests carry a time the hub checks against its own, so a kiosk whose clock is off seals by the hub's.
import { hubClockRoundTripMsMax } from '../shared/limits.ts';
import { hubTimeHeader } from '../shared/hub-routes.ts';

/**
 * The offset of the hub's clock from the kiosk's, from the latest answer that came back quickly enough to
 * say it within half its round trip (hubClockRoundTripMsMax); 0 until one has (a hub without the header,
 * an older one, leaves the kiosk on its own clock, as before).
 */
export class HubClock {
  #offsetMs = 0;

  constructor(private readonly localNow: () => number) {}

  /** The kiosk's clock moved to the hub's. */
  now(): number {
    return this.localNow() + this.#offsetMs;
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /** `network` with every answer's hub time read (the answer itself passes on untouched). */
  watching(network: typeof fetch): typeof fetch {
    return async (input, init) => {
      const sentAt = this.localNow();
      const response = await network(input, init);
      this.#observe(response.headers.get(hubTimeHeader), sentAt, this.localNow());
      return response;
    };
  }

  #observe(header: string | null, sentAt: number, receivedAt: number): void {
    if (header === null || !/^\d{1,16}$/.test(header)) return;
    const roundTripMs = receivedAt - sentAt;
    if (roundTripMs < 0 || roundTripMs > hubClockRoundTripMsMax) return;
    // The hub stamped its answer somewhere in the round trip: the middle is at most half of it off.
    this.#offsetMs = Math.round(Number(header) - (sentAt + roundTripMs / 2));
  }
}
