/**
 * The last `capacity` ids seen, oldest forgotten first: enough memory to recognise a
 * redelivery (which comes soon after the first delivery), bounded whatever the traffic.
 */
export class RecentIds {
  readonly #ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  remember(id: string): void {
    if (this.#ids.has(id)) return;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.values().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#ids.size;
  }
}
