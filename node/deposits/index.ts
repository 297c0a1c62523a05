export * from "./claimFetch.ts";
export * from "./claimPool.ts";
export * from "./confirmer.ts";
export * from "./forBlocks.ts";
export * from "./gossipWire.ts";
export * from "./intake.ts";
export * from "./regossip.ts";
