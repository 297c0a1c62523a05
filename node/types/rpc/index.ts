export * from "./bridge.ts";
export * from "./checkpoint.ts";
export * from "./evidence.ts";
export * from "./node.ts";
export * from "./outrigger.ts";
export * from "./txStatus.ts";
export * from "./wire.ts";
