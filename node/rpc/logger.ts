/** The slice of a pino logger the server uses, so tests can pass a silent one and rpc needs no pino import. */
export interface RpcLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
