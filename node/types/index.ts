// No version or kind tag inside these encodings: gossip topics and storage keys already say what a payload is.

export * from "./abis.ts";
export * from "./block.ts";
export * from "./body.ts";
export * from "./checkpoint.ts";
export * from "./checkpointSigning.ts";
export * from "./commit.ts";
export * from "./depositClaim.ts";
export * from "./depositHash.ts";
export * from "./depositTx.ts";
export * from "./evidence.ts";
export * from "./fields.ts";
export * from "./header.ts";
export * from "./limits.ts";
export * from "./merkle.ts";
export * from "./proposal.ts";
export type * from "./receipt.ts";
export * from "./receiptCodec.ts";
export type * from "./shapes.ts";
export * from "./validator.ts";
export * from "./vote.ts";
export * from "./withdrawal.ts";
