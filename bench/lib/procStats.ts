import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface CpuSample {
  /** CPU seconds used so far, user and system. */
  cpuSeconds: number;
  /** Wall-clock milliseconds when read. */
  at: number;
}

/** null once the process is gone. */
export function cpuSample(pid: number): CpuSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { cpuSeconds: ticks / CLOCK_TICKS, at: performance.now() };
  } catch {
    return null;
  }
}

/** Percent of one core used between two samples (200 = two cores busy). */
export function cpuPercent(from: CpuSample, to: CpuSample): number {
  const wall = (to.at - from.at) / 1000;
  return wall <= 0 ? 0 : (100 * (to.cpuSeconds - from.cpuSeconds)) / wall;
}

export interface MemorySample {
  rssMiB: number;
  /** The highest resident size the process has had. */
  peakRssMiB: number;
}

export function memorySample(pid: number): MemorySample | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return { rssMiB: Math.round(kib("VmRSS") / 1024), peakRssMiB: Math.round(kib("VmHWM") / 1024) };
  } catch {
    return null;
  }
}
