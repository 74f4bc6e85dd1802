import type { ChildProcess } from "node:child_process";
import { processUsage } from "./proc.js";

/** What {@link watchDrain} saw of a service draining a backlog. */
export interface Drain {
  /** Records the service reported done when the watch ended. */
  done: number;
  /** `performance.now()` when the service first reported a record done, and when the watch ended. */
  firstAt: number | undefined;
  finished: number;
  /** The service's resident set size when it first reported a record done, and at its peak, MiB (of its largest instance). */
  rssAtFirstMiB: number;
  peakRssMiB: number;
}

/**
 * Polls a service (one or more instances of it) twice a second until `progress()` (its own metric)
 * covers `records`, an instance exits, or `maxMinutes` pass; samples memory meanwhile and logs the
 * rate every 15 s.
 */
export async function watchDrain(options: {
  children: readonly ChildProcess[];
  records: number;
  maxMinutes: number;
  progress: () => Promise<number>;
  /** What a done record is, for the log line ("records processed"). */
  what: string;
  log: (line: string) => void;
}): Promise<Drain> {
  const { children, records } = options;
  const drain: Drain = { done: 0, firstAt: undefined, finished: 0, rssAtFirstMiB: 0, peakRssMiB: 0 };
  const running = () => children.every((child) => child.exitCode === null);
  const sample = () => {
    let largest: ReturnType<typeof processUsage>;
    for (const child of children) {
      const usage = child.pid && child.exitCode === null ? processUsage(child.pid) : undefined;
      if (usage && (!largest || usage.rssMiB > largest.rssMiB)) largest = usage;
      if (usage) drain.peakRssMiB = Math.max(drain.peakRssMiB, usage.peakRssMiB);
    }
    return largest;
  };
  const deadline = Date.now() + options.maxMinutes * 60_000;
  let lastReport = Date.now();
  while (drain.done < records && Date.now() < deadline && running()) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    drain.done = await options.progress();
    const usage = sample();
    if (drain.done > 0 && drain.firstAt === undefined) {
      drain.firstAt = performance.now();
      drain.rssAtFirstMiB = usage?.rssMiB ?? 0;
    }
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      const rate = drain.firstAt ? drain.done / ((performance.now() - drain.firstAt) / 1000) : 0;
      options.log(`${drain.done}/${records} ${options.what} (${Math.round(rate)}/s so far)`);
    }
  }
  drain.finished = performance.now();
  sample();
  return drain;
}
