import { formatAmount } from "../../bridge/client/amounts.ts";
import type { BridgeProgress, Stage } from "../../bridge/client/stages.ts";
import type { Output } from "./output.ts";

const MARK = { done: "✓", current: "…", todo: "·" } as const;

export function progressTitle(p: BridgeProgress): string {
  const amount = `${formatAmount(p.amount, p.token.decimals)} ${p.token.symbol}`;
  return p.kind === "deposit"
    ? `deposit ${p.nonce}: ${amount} from ${p.from} (L1) to ${p.to} (sidechain)`
    : `withdrawal ${p.id}: ${amount} from ${p.from} (sidechain) to ${p.recipient} (L1)`;
}

export function stageLine(s: Stage, withNote: boolean): string {
  const detail = [s.detail, withNote ? s.note : null].filter((x) => x !== null).join("; ");
  return `  ${MARK[s.state]} ${s.label}${detail === "" ? "" : `: ${detail}`}`;
}

/** What the user can do next, when it is up to them. */
export function nextStepHint(p: BridgeProgress): string | null {
  if (p.kind !== "withdrawal") return null;
  if (p.phase === "exitable") return `next: outrigger bridge exit ${p.id}`;
  if (p.phase === "queued" && p.releaseAt !== null) {
    return `next: after ${new Date(Number(p.releaseAt) * 1000).toISOString()} (or earlier, once the exit limits have room for it: Bridge.releasable(${p.id})) anyone can call releaseQueuedExit(${p.id}) on the L1 Bridge`;
  }
  return null;
}

/** The whole status as text, for `bridge status` without --wait and for final summaries. */
export function renderProgress(p: BridgeProgress): string {
  const hint = nextStepHint(p);
  return `${[progressTitle(p), ...p.stages.map((s) => stageLine(s, true)), ...(hint === null ? [] : [hint])].join("\n")}\n`;
}

/**
 * A live view of a transfer's stages. On a terminal it redraws the stage lines in place on every poll; into a
 * pipe or a log it prints a line only when a stage's state or detail changes, so logs stay short and greppable.
 */
export class ProgressDisplay {
  private drawn = 0;
  private readonly printed = new Map<string, string>();
  private titled = false;

  constructor(private readonly out: Output) {}

  update(p: BridgeProgress): void {
    if (this.out.isTTY) this.redraw(p);
    else this.appendChanges(p);
  }

  private redraw(p: BridgeProgress): void {
    const lines = [progressTitle(p), ...p.stages.map((s) => stageLine(s, true))];
    // Long lines (hashes) wrap on narrow terminals; the cursor must go up by rows, not by lines.
    const width = this.out.columns ?? 0;
    const rows = (l: string) => (width > 0 ? Math.max(1, Math.ceil([...l].length / width)) : 1);
    // Move to the start of the previous drawing and overwrite it, clearing each row first.
    const up = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : "";
    this.out.write(`${up}${lines.map((l) => `${l}\n`).join("")}`);
    this.drawn = lines.reduce((n, l) => n + rows(l), 0);
  }

  private appendChanges(p: BridgeProgress): void {
    if (!this.titled) {
      this.out.write(`${progressTitle(p)}\n`);
      this.titled = true;
    }
    for (const s of p.stages) {
      const line = stageLine(s, false);
      if (this.printed.get(s.key) === line || (s.state === "todo" && !this.printed.has(s.key))) continue;
      this.printed.set(s.key, line);
      this.out.write(`${line}\n`);
    }
  }
}
