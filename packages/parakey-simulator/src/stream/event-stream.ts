/**
 * Unlocks happening in the world on their own, at `rate` per second: `unlock` is called that often
 * (the simulator passes "generate one unlock into the store"). Rates above 100/s are produced in
 * batches every 10 ms; fractions carry over, so 0.5/s is one unlock every other second.
 *
 * @example
 * const stream = new EventStream({ rate: 5, unlock: () => sim.api.generate(1) });
 * stream.start(); // … stream.stop();
 */
export class EventStream {
  private timer: ReturnType<typeof setInterval> | undefined;
  private budget = 0;

  constructor(private readonly options: { rate: number; unlock: () => void }) {}

  start(): void {
    const { rate, unlock } = this.options;
    if (rate <= 0 || this.timer !== undefined) return;
    const everyMs = Math.min(1000, Math.max(10, 1000 / rate));
    this.timer = setInterval(() => {
      this.budget += (rate * everyMs) / 1000;
      while (this.budget >= 1) {
        this.budget -= 1;
        unlock();
      }
    }, everyMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
