import { Contract, type Signer } from "ethers";
import type { Address, Hex } from "../../node/crypto/index.ts";
import { sidechainBridgeInterface, sidechainTokenInterface } from "./abi.ts";
import { formatAmount, parseAmount } from "./amounts.ts";
import type { BridgeContext } from "./context.ts";
import { InsufficientBalanceError, InvalidInputError, TransactionFailedError } from "./errors.ts";
import { withdrawalInReceipt } from "./locate.ts";
import { findBridgedToken, type TokenInfo, type TokenRef, tokenInfoOf } from "./tokens.ts";
import { sendAndWait } from "./transactions.ts";

export interface WithdrawRequest {
  token: TokenRef;
  /** Base units, or a decimal string in the token's units ("1.5"). */
  amount: bigint | string;
  /** The L1 account to pay; the sender's own address by default (the same key works on both chains). */
  to?: Address;
}

export interface WithdrawResult {
  l2TxHash: Hex;
  id: bigint;
  height: number;
  token: TokenInfo;
  amount: bigint;
  to: Address;
}

const ZERO_ADDRESS: Address = `0x${"00".repeat(20)}`;

/**
 * Refuses an L1 recipient the L1 Bridge could never pay: the zero address (ETH sent there is burned, so the
 * Bridge refuses it and the withdrawal would stay locked for good) and the Bridge itself.
 */
export function checkL1Recipient(to: Address, l1Bridge: Address): void {
  const recipient = to.toLowerCase();
  if (recipient === ZERO_ADDRESS) {
    throw new InvalidInputError("the L1 recipient is the zero address, which the L1 Bridge can never pay");
  }
  if (recipient === l1Bridge.toLowerCase()) {
    throw new InvalidInputError("the L1 recipient is the L1 Bridge itself, which can never be paid");
  }
}

/** Burns a bridged token on the sidechain through the bridge system contract, which records a withdrawal. */
export async function withdraw(
  ctx: BridgeContext,
  signer: Signer,
  req: WithdrawRequest,
): Promise<WithdrawResult> {
  // The token map grows with every first deposit of a token: read it now, not as it was at connect.
  const bridged = findBridgedToken(req.token, (await ctx.refreshInfo()).tokens);
  const token = tokenInfoOf(bridged);
  const amount = typeof req.amount === "bigint" ? req.amount : parseAmount(req.amount, token.decimals);
  if (amount <= 0n) throw new InvalidInputError("the amount must be more than zero");
  const sender = (await signer.getAddress()).toLowerCase() as Address;
  const to = req.to ?? sender;
  checkL1Recipient(to, ctx.info.bridge);
  const l2Token = new Contract(bridged.l2Token, sidechainTokenInterface, ctx.l2);
  const balance = (await l2Token.getFunction("balanceOf")(sender)) as bigint;
  if (balance < amount) {
    const shown = (v: bigint) => `${formatAmount(v, token.decimals)} ${token.symbol}`;
    throw new InsufficientBalanceError(
      `${sender} has ${shown(balance)} on the sidechain, cannot withdraw ${shown(amount)}`,
    );
  }
  const bridge = new Contract(ctx.info.systemContracts.bridge, sidechainBridgeInterface, signer);
  const receipt = await sendAndWait("withdraw", () =>
    bridge.getFunction("withdraw")(bridged.l2Token, amount, to),
  );
  const withdrawal = withdrawalInReceipt(receipt, ctx.info.systemContracts.bridge);
  if (withdrawal === null) {
    throw new TransactionFailedError(
      `withdraw tx ${receipt.hash} succeeded but emitted no WithdrawalInitiated event`,
    );
  }
  return {
    l2TxHash: withdrawal.l2TxHash,
    id: withdrawal.id,
    height: withdrawal.height,
    token,
    amount: withdrawal.amount,
    to: withdrawal.recipient,
  };
}
