export * from "./checkpointTracker.ts";
export * from "./depositConfirmer.ts";
export * from "./l1Reader.ts";
