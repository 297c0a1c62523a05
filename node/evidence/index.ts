export * from "./pool.ts";
export * from "./service.ts";
export * from "./verify.ts";
