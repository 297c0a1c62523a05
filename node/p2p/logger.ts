/**
 * The logging p2p needs: pino's `(object, message)` form, so the node passes its pino child logger as is and
 * this part does not depend on pino.
 */
export interface P2pLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
