import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/** JSON logs, one line per event, to stdout (or a destination of the caller's choosing). */
export function createLogger(options: { level: string; moniker: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    { level: options.level, base: { node: options.moniker }, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination ?? process.stdout,
  );
}
