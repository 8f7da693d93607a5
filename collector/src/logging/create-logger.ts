import pino, { type Logger } from 'pino';

/** Paths that can carry secrets; their values never reach the log. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'botToken',
  'appToken',
  'signingSecret',
  '*.signingSecret',
  'privateKey',
  '*.privateKey',
  'key',
  '*.key',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'headers["x-slack-signature"]',
  'cmdline',
  '*.cmdline',
];

/** The root logger of an app (created once in its main); modules take child({ component }). */
export function createLogger(opts: { level?: string; name: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
