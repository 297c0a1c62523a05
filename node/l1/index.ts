export * from "./checkpointTracker.ts";
export * from "./l1Gate.ts";
export * from "./l1Link.ts";
export * from "./l1Reader.ts";
