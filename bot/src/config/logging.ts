import { z } from 'zod';
import type { SettingTable, Sources } from './sources';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOGGING_FILE_KEYS = { logLevel: z.string().optional() };

export const LOGGING_SETTINGS = {
  level: { env: 'WHYSTUCK_LOG_LEVEL', file: 'logLevel', blankIsUnset: true },
  /** The bot's old name for it: still read, with a warning. */
  legacy: { env: 'LOG_LEVEL', blankIsUnset: true },
} satisfies SettingTable;

const level = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(LOG_LEVELS, { error: `is not a log level: use one of ${LOG_LEVELS.join(', ')}` }));
const LoggingSchema = z.object({ level: level.optional(), legacy: level.optional() });

/**
 * The log level (pino, on stderr) of the bot and the terminal: WHYSTUCK_LOG_LEVEL
 * (the collector's name too) or YAML `logLevel`; LOG_LEVEL is a deprecated
 * alias, used with a warning when WHYSTUCK_LOG_LEVEL is unset. Undefined:
 * the program's default (the bot `info`, the terminal `error`).
 */
export function loggingSection(src: Sources): { logLevel?: LogLevel } {
  const v = src.section('logging', LOGGING_SETTINGS, LoggingSchema);
  if (v.legacy !== undefined) {
    src.warnings.push(
      v.level !== undefined
        ? `LOG_LEVEL is deprecated and ignored here: WHYSTUCK_LOG_LEVEL (or logLevel) is set and wins; unset LOG_LEVEL`
        : `LOG_LEVEL is deprecated: rename it to WHYSTUCK_LOG_LEVEL (same levels; the collector and the terminal read that name too)`,
    );
  }
  return { logLevel: v.level ?? v.legacy };
}
