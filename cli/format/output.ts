/** Where a command writes: stdout in the CLI, a buffer in tests. isTTY decides between live and line output. */
export interface Output {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width, so a live display knows how many rows a long line wraps onto. */
  readonly columns?: number;
}

export const stdoutOutput: Output = {
  write: (text) => {
    process.stdout.write(text);
  },
  get isTTY() {
    return process.stdout.isTTY === true;
  },
  get columns() {
    return process.stdout.columns;
  },
};

/** JSON with bigints as decimal strings, the format the outrigger_* RPC uses for amounts. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** 0x1234abcd…ef01: enough to recognise a hash in a table; full hashes are in `show` and --json. */
export function shortHex(hex: string, keep = 6): string {
  return hex.length <= 2 + keep * 2 + 1 ? hex : `${hex.slice(0, 2 + keep)}…${hex.slice(-keep)}`;
}
