import { createWriteStream } from "node:fs";
import { Writable } from "node:stream";
import { type Logger, multistream, pino } from "pino";

export type { Logger };

/**
 * JSON lines to the node's log file (for machines) and, on a terminal, a readable copy to stderr (for people).
 * A file path of null logs to stdout only, as JSON, which is what process supervisors expect.
 */
export function createLogger(opts: {
  level: string;
  file: string | null;
  name: string;
  pretty: boolean;
}): Logger {
  const streams: { stream: NodeJS.WritableStream; level: pino.Level }[] = [];
  const level = opts.level as pino.Level;
  if (opts.file) streams.push({ stream: createWriteStream(opts.file, { flags: "a" }), level });
  if (opts.pretty) {
    streams.push({ stream: prettyStream(), level });
  } else if (!opts.file) {
    streams.push({ stream: process.stdout, level });
  }
  return pino({ name: opts.name, level, base: { pid: process.pid } }, multistream(streams));
}

/** A terse one-line format for terminals; pino-pretty is a dev dependency and the JSON file keeps everything. */
function prettyStream(): NodeJS.WritableStream {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        const entry = JSON.parse(chunk.toString()) as Record<string, unknown>;
        const { level, time, msg, name, pid: _pid, hostname: _host, ...rest } = entry;
        const label = LEVELS[Number(level)] ?? String(level);
        const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
        process.stderr.write(
          `${new Date(Number(time)).toISOString().slice(11, 23)} ${label} [${name}] ${msg}${extra}\n`,
        );
      } catch {
        process.stderr.write(chunk);
      }
      done();
    },
  });
}

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
