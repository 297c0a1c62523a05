import { type ContractTransactionResponse, isError, type TransactionReceipt } from "ethers";
import { TransactionFailedError } from "./errors.ts";

/** A readable reason from an ethers error: the decoded custom error or revert string when there is one. */
export function describeTxError(err: unknown): string {
  if (isError(err, "CALL_EXCEPTION")) {
    if (err.revert) return `${err.revert.name}(${err.revert.args.map(String).join(", ")})`;
    return err.reason ?? "reverted without a reason";
  }
  if (isError(err, "INSUFFICIENT_FUNDS"))
    return "the account cannot pay for the transaction (insufficient funds)";
  // ethers could not classify the node's answer ("could not coalesce error"): the node's own message is clearer.
  const e = err as { shortMessage?: string; message?: string; error?: { message?: unknown } };
  if (typeof e.error?.message === "string") return e.error.message;
  return e.shortMessage ?? e.message ?? String(err);
}

/**
 * Sends a transaction and waits for its receipt. Sending estimates gas first, so a call that would revert fails
 * here with the decoded reason and nothing is broadcast.
 */
export async function sendAndWait(
  what: string,
  send: () => Promise<ContractTransactionResponse>,
): Promise<TransactionReceipt> {
  let tx: ContractTransactionResponse;
  try {
    tx = await send();
  } catch (err) {
    throw new TransactionFailedError(`${what} was not sent: ${describeTxError(err)}`);
  }
  let receipt: TransactionReceipt | null;
  try {
    receipt = await tx.wait();
  } catch (err) {
    throw new TransactionFailedError(`${what} (tx ${tx.hash}) failed: ${describeTxError(err)}`);
  }
  if (receipt === null || receipt.status !== 1) {
    throw new TransactionFailedError(`${what} (tx ${tx.hash}) reverted`);
  }
  return receipt;
}
