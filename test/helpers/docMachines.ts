import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import type { DocStep } from "./operatorsDoc.ts";

/**
 * Stand-ins for the machines of docs/operators.md on this one host: each has its own HOME folder, its own
 * loopback address (Linux routes all of 127/8 to lo), and its own values for the page's variables. Blocks run
 * with `bash -euo pipefail`; background blocks run in their own process group, which stopAll() kills.
 */
export interface MachineSpec {
  home: string;
  address: string;
  /** Exported after the page's environment block, overriding its example values. */
  vars: Record<string, string>;
  /** The process environment: HOME and the node's bind addresses on this shared host. */
  env: Record<string, string>;
}

export interface StepResult {
  step: DocStep;
  machine: string;
  stdout: string;
}

const FOREGROUND_TIMEOUT_MS = 240_000;

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

export class DocMachines {
  private readonly background: { child: ChildProcess; logFile: string; machine: string; line: number }[] = [];
  private readonly preludes = new Map<string, string[]>();
  private environment = "";
  private logCount = 0;

  constructor(
    readonly machines: Map<string, MachineSpec>,
    private readonly logDir: string,
  ) {}

  machine(name: string): MachineSpec {
    const spec = this.machines.get(name);
    if (spec === undefined) throw new Error(`no machine ${name}`);
    return spec;
  }

  /** Runs one step of the page on each of its machines, in order; returns what each foreground run printed. */
  async run(step: DocStep): Promise<StepResult[]> {
    switch (step.kind) {
      case "environment":
        this.environment = step.code;
        return [];
      case "prelude":
        for (const m of step.machines) this.preludes.set(m, [...(this.preludes.get(m) ?? []), step.code]);
        return [];
      case "copy":
        await this.copy(step);
        return [];
      case "run": {
        if (step.skip) return [];
        await this.assertBackgroundAlive();
        if (step.background) {
          for (const m of step.machines) this.spawnBackground(step, m);
          return [];
        }
        // Side by side, as on separate machines: each operator runs the block on their own.
        return Promise.all(
          step.machines.map(async (m) => ({ step, machine: m, stdout: await this.runForeground(step, m) })),
        );
      }
    }
  }

  /** SIGTERM, then SIGKILL after a grace period, to every background process group started. */
  async stopAll(): Promise<void> {
    const alive = this.background
      .map((b) => b.child)
      .filter((c) => c.exitCode === null && c.signalCode === null);
    for (const child of alive) signalGroup(child, "SIGTERM");
    await Promise.race([
      Promise.all(alive.map((c) => new Promise((done) => c.once("exit", done)))),
      new Promise((done) => setTimeout(done, 10_000)),
    ]);
    for (const child of alive) signalGroup(child, "SIGKILL");
  }

  private script(step: DocStep & { code: string }, machine: string): string {
    const spec = this.machine(machine);
    const overrides = Object.entries(spec.vars).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
    return [this.environment, ...overrides, ...(this.preludes.get(machine) ?? []), step.code].join("\n");
  }

  private spawnBlock(
    step: DocStep & { code: string },
    machine: string,
    extraEnv: Record<string, string> = {},
  ) {
    const spec = this.machine(machine);
    const logFile = join(
      this.logDir,
      `${String(++this.logCount).padStart(2, "0")}-${machine}-line${step.line}.log`,
    );
    const child = spawn("bash", ["-euo", "pipefail", "-c", this.script(step, machine)], {
      cwd: spec.home,
      env: { ...spec.env, ...extraEnv },
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const log = createWriteStream(logFile);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    return { child, logFile };
  }

  private spawnBackground(step: DocStep & { code: string }, machine: string): void {
    // The node's and relayer's lifeline: they stop when this test process dies, however it dies.
    const { child, logFile } = this.spawnBlock(step, machine, { OUTRIGGER_EXIT_WITH_PARENT: "1" });
    this.background.push({ child, logFile, machine, line: step.line });
  }

  /** A node or relayer that died would otherwise show up only as a later block waiting in vain. */
  private async assertBackgroundAlive(): Promise<void> {
    for (const b of this.background) {
      if (b.child.exitCode === null && b.child.signalCode === null) continue;
      const output = await readFile(b.logFile, "utf8").catch(() => "");
      throw new Error(
        `the background block of docs/operators.md line ${b.line} on machine ${b.machine} exited (${b.child.exitCode ?? b.child.signalCode}):\n${output.slice(-4000)}`,
      );
    }
  }

  private async runForeground(step: DocStep & { code: string }, machine: string): Promise<string> {
    const { child, logFile } = this.spawnBlock(step, machine);
    child.stdin?.end();
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    const timer = setTimeout(() => signalGroup(child, "SIGKILL"), FOREGROUND_TIMEOUT_MS);
    const code = await new Promise<number | null>((done) => child.once("exit", (c) => done(c)));
    clearTimeout(timer);
    if (code !== 0) {
      const output = await readFile(logFile, "utf8").catch(() => "");
      throw new Error(
        `docs/operators.md line ${step.line} on machine ${machine} exited ${code}; output (${logFile}):\n${output.slice(-4000)}`,
      );
    }
    return stdout;
  }

  private async copy(step: DocStep & { kind: "copy" }): Promise<void> {
    for (const from of step.from) {
      const source = this.expand(step.path, from);
      for (const to of step.to) {
        const dir = this.expand(step.dir, to);
        await mkdir(dir, { recursive: true });
        await copyFile(source, join(dir, basename(source)));
      }
    }
  }

  /** ~ and $NAME in a copy annotation's path, as the machine's shell would read them. */
  private expand(path: string, machine: string): string {
    const spec = this.machine(machine);
    return path.replace(/^~(?=\/)/, spec.home).replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (_m, name: string) => {
      const value = spec.vars[name];
      if (value === undefined) throw new Error(`copy path ${path}: no value for $${name} on ${machine}`);
      return value;
    });
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
