export * from "./claimPool.ts";
export * from "./confirmer.ts";
export * from "./forBlocks.ts";
export * from "./intake.ts";
