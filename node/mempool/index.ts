export * from "./admission.ts";
export * from "./dropped.ts";
export * from "./errors.ts";
export * from "./localTxJournal.ts";
export * from "./mempool.ts";
