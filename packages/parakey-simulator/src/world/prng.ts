/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives the same world and the
 * same stream of event logs on every run and every machine, so a failing scenario can be replayed.
 * Not for anything secret.
 *
 * @example
 * const random = new Prng(42);
 * random.int(1, 6); // the same six-sided roll for seed 42, every time
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError("cannot pick from an empty list");
    return item;
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    let out = "";
    while (out.length < length)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, "0");
    return out.slice(0, length);
  }

  /** A child generator with its own stream, so adding draws to one part does not shift the others. */
  fork(label: number): Prng {
    return new Prng(Math.imul(this.int(0, 0xffffffff) ^ label, 0x9e3779b1));
  }
}
