import { z } from "zod";
import { RlpError } from "../../crypto/index.ts";
import { encodeDepositClaim } from "../depositClaim.ts";
import type { DepositClaim } from "../shapes.ts";
import { addressWire, countWire, decimalWire, hashWire, uint256Wire, uintParamWire } from "./wire.ts";

/** A sidechain token bridged from L1 (ETH maps to WETH under the zero address). */
export const bridgedTokenSchema = z.object({
  l1Token: addressWire,
  l2Token: addressWire,
  name: z.string(),
  symbol: z.string(),
  decimals: countWire,
  totalSupply: decimalWire,
});
export type BridgedToken = z.output<typeof bridgedTokenSchema>;

/** outrigger_bridgeInfo: where the peg lives and what it holds, everything a relayer or a client starts from. */
export const bridgeInfoSchema = z.object({
  l1ChainId: decimalWire,
  checkpointManager: addressWire,
  bridge: addressWire,
  deploymentBlock: countWire,
  /** Blocks behind latest at which L1 deposits count as final; 0 means the `finalized` tag. */
  confirmations: countWire,
  systemContracts: z.object({ bridge: addressWire, staking: addressWire }),
  nextDepositNonce: decimalWire,
  nextWithdrawalId: decimalWire,
  tokens: z.array(bridgedTokenSchema),
});
export type BridgeInfo = z.output<typeof bridgeInfoSchema>;

/** outrigger_deposit: minted in block `height`, or held as a confirmed claim waiting for a block. */
export const depositViewSchema = z.object({
  nonce: decimalWire,
  status: z.enum(["minted", "pending"]),
  l1Token: addressWire,
  l2Token: addressWire,
  from: addressWire,
  to: addressWire,
  amount: decimalWire,
  l1TxHash: hashWire,
  /** null while pending. */
  height: countWire.nullable(),
});
export type DepositView = z.output<typeof depositViewSchema>;

/** outrigger_submitDepositClaim's answer: the claim is held ("pending") or already minted. */
export const submittedClaimSchema = z.object({ nonce: decimalWire, status: z.enum(["minted", "pending"]) });
export type SubmittedClaim = z.output<typeof submittedClaimSchema>;

/** What the node's claim intake answers, before RPC turns a refusal into an error. */
export type SubmitClaimResult =
  | { ok: true; status: SubmittedClaim["status"] }
  /** The claim was not taken: it contradicts L1, is not final there yet, or L1 cannot be reached. */
  | { ok: false; message: string };

/**
 * outrigger_submitDepositClaim's parameter: the Deposited event's fields (the L1 token named `token`, as in the
 * event) and the L1 transaction that emitted it. Unknown fields are refused so a misspelt one is not ignored.
 */
export const depositClaimParamSchema = z.codec(
  z.strictObject(
    {
      nonce: uintParamWire("a deposit nonce"),
      token: addressWire,
      from: addressWire,
      to: addressWire,
      amount: uint256Wire,
      name: z.string(),
      symbol: z.string(),
      decimals: z.number().int().min(0).max(255),
      l1TxHash: hashWire,
    },
    { error: "expected a deposit claim {nonce, token, from, to, amount, name, symbol, decimals, l1TxHash}" },
  ),
  z.custom<DepositClaim>(),
  {
    decode: ({ token, ...rest }, ctx) => {
      const claim: DepositClaim = { ...rest, l1Token: token };
      try {
        // The wire codec's limits (name and symbol length, well-formed text) are the claim's limits everywhere.
        encodeDepositClaim(claim);
      } catch (err) {
        if (!(err instanceof RlpError)) throw err;
        ctx.issues.push({ code: "custom", message: err.message, input: claim });
      }
      return claim;
    },
    encode: ({ l1Token, ...rest }) => ({ ...rest, token: l1Token }),
  },
);
