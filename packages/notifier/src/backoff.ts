/** Exponential backoff with jitter: min, 2 x min, 4 x min ... up to max, each scaled by 0.5-1. */
export class Backoff {
  #attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.#attempt, 30));
    this.#attempt += 1;
    return Math.round(ceiling * (0.5 + Math.random() / 2));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
