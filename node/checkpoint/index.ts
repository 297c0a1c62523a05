export * from "./builder.ts";
export * from "./collector.ts";
export * from "./coordinator.ts";
export * from "./errors.ts";
export * from "./service.ts";
export * from "./verify.ts";
export * from "./wire.ts";
