import type { SidechainRpc } from "../sidechainRpc.ts";

/**
 * The part of a sidechain node the relayer uses. SidechainRpc satisfies it; tests pass an in-memory fake, so
 * the relayer never depends on a running node to be tested.
 */
export type SidechainSide = Pick<
  SidechainRpc,
  "bridgeInfo" | "submitDepositClaim" | "checkpoint" | "validators" | "withdrawalProof"
>;
