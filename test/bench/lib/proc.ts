import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** What /proc tells of a process: memory in MiB, CPU in seconds. */
export interface ProcessUsage {
  /** Resident set size now (VmRSS). */
  rssMiB: number;
  /** Resident set size at its peak (VmHWM). */
  peakRssMiB: number;
  /** User + system CPU used so far. */
  cpuSeconds: number;
}

let clockTicks: number | undefined;

/**
 * Memory and CPU of a live process (Linux /proc), or of this one (`"self"`); undefined once it is
 * gone. A process that has exited but was not reaped yet still shows its CPU time, but no memory.
 */
export function processUsage(pid: number | "self"): ProcessUsage | undefined {
  clockTicks ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
    return {
      rssMiB: kib("VmRSS") / 1024,
      peakRssMiB: kib("VmHWM") / 1024,
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / clockTicks,
    };
  } catch {
    return undefined;
  }
}
