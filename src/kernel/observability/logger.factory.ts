import { pino, type Logger } from 'pino';
import type { RequestContext } from './request-context.js';

export type { Logger } from 'pino';

/** Anything that could carry a credential is censored in every line, wherever it is nested. */
const REDACT_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'access_token',
  '*.access_token',
  'refresh_token',
  '*.refresh_token',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'signingKeys',
  '*.signingKeys',
];

export interface LoggerOptions {
  level: string;
  pretty: boolean;
}

export function createLogger(options: LoggerOptions, requests: RequestContext): Logger {
  return pino({
    level: options.level,
    base: { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    mixin: () => {
      const scope = requests.current();
      return scope ? { reqId: scope.requestId } : {};
    },
    transport: options.pretty ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } : undefined,
  });
}
