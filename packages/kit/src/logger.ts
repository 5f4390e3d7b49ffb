import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON line per event, tagged with the process that wrote it; `level` comes from the validated LOG_LEVEL setting. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
