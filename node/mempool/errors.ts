import type { AppErrorCode } from "../app/index.ts";

/**
 * Why the mempool refused a transaction. Codes map one-to-one onto JSON-RPC rejections; messages use geth's
 * wording ("already known", "replacement transaction underpriced", "txpool is full", ...) so ethers classifies them.
 */
export type MempoolErrorCode =
  | "already-known"
  | "too-large"
  | "nonce-too-low"
  | "nonce-too-high"
  | "underpriced"
  | "replacement-underpriced"
  | "insufficient-funds"
  | "intrinsic-gas"
  | "sender-limit"
  | "pool-full"
  /** Too many transactions wait for their check: the node sheds load; retrying later may succeed. */
  | "busy"
  /** Any other app check (signature, chain id, type, encoding); appCode says which. */
  | "invalid";

export class MempoolError extends Error {
  override readonly name = "MempoolError";
  readonly code: MempoolErrorCode;
  /** The app's code when the app's checkTx refused the transaction. */
  readonly appCode: AppErrorCode | undefined;

  constructor(code: MempoolErrorCode, message: string, appCode?: AppErrorCode) {
    super(message);
    this.code = code;
    this.appCode = appCode;
  }
}

const FROM_APP: Partial<Record<AppErrorCode, MempoolErrorCode>> = {
  "tx-too-large": "too-large",
  "nonce-too-low": "nonce-too-low",
  "insufficient-funds": "insufficient-funds",
  "tx-underpriced": "underpriced",
  "tx-intrinsic-gas": "intrinsic-gas",
};

export function fromAppError(code: AppErrorCode, message: string): MempoolError {
  return new MempoolError(FROM_APP[code] ?? "invalid", message, code);
}
