/**
 * Why the app refused something. Messages of transaction errors start with geth's wording ("nonce too low",
 * "insufficient funds for gas * price + value", ...) because ethers classifies JSON-RPC errors by those phrases.
 */
export type AppErrorCode =
  | "tx-too-large"
  | "tx-malformed"
  | "tx-type-not-supported"
  | "tx-invalid-set-code"
  | "tx-wrong-chain"
  | "tx-bad-signature"
  | "tx-initcode-too-large"
  | "tx-gas-limit"
  | "block-gas-exceeded"
  | "tx-intrinsic-gas"
  | "tx-underpriced"
  | "tx-tip-above-fee-cap"
  | "nonce-too-low"
  | "nonce-too-high"
  | "insufficient-funds"
  | "invalid-block"
  | "wrong-height"
  | "stale-result"
  | "reverted"
  | "invalid-call"
  | "invalid-genesis"
  | "invalid-state";

export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: AppErrorCode;
  /** For invalid-block: the index of the offending transaction. */
  readonly txIndex: number | undefined;
  /** For reverted: the ABI-encoded revert data (Error(string) or empty), as eth_call returns it. */
  readonly data: `0x${string}` | undefined;

  constructor(
    code: AppErrorCode,
    message: string,
    extra: { cause?: unknown; txIndex?: number; data?: `0x${string}` } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.txIndex = extra.txIndex;
    this.data = extra.data;
  }
}
