export * from "./claimPool.ts";
export * from "./errors.ts";
export * from "./mempool.ts";
