interface Window {
  count: number;
  readonly endsAt: number;
}

/**
 * Refused tokens per client address, in fixed windows kept in this process: past its
 * limit an address is answered 429 without costing an auth call. At most
 * `maxAddresses` windows are kept (the oldest go first), so a flood of addresses
 * cannot grow memory.
 */
export class FailureWindows {
  readonly #windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxAddresses = 100_000,
  ) {}

  /** Seconds until the address may be asked about again, when it is at its limit. */
  blockedFor(address: string, now = Date.now()): number | undefined {
    const window = this.#current(address, now);
    if (!window || window.count < this.limit) return undefined;
    return Math.max(1, Math.ceil((window.endsAt - now) / 1000));
  }

  count(address: string, now = Date.now()): void {
    const window = this.#current(address, now);
    if (window) {
      window.count += 1;
      return;
    }
    // Windows start in time order, so the first entries are the oldest.
    for (const [oldAddress, old] of this.#windows) {
      if (old.endsAt > now && this.#windows.size < this.maxAddresses) break;
      this.#windows.delete(oldAddress);
    }
    this.#windows.set(address, { count: 1, endsAt: now + this.windowMs });
  }

  #current(address: string, now: number): Window | undefined {
    const window = this.#windows.get(address);
    if (window && window.endsAt <= now) {
      this.#windows.delete(address);
      return undefined;
    }
    return window;
  }
}
