export * from "./bytes.ts";
export * from "./domains.ts";
export * from "./errors.ts";
export * from "./hash.ts";
export * from "./keys.ts";
export * from "./rlp.ts";
export * from "./signature.ts";
export * from "./validatorSetHash.ts";
