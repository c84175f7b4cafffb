import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import type { RequestContext } from './request-context.js';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

/** Key names (lower-cased, without `_`/`-`) whose values are credentials wherever they appear. */
const SECRET_KEYS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'cookies',
  'setcookie',
  'xmercatoservicetoken',
  'signingkeys',
  'servicesigningkeys',
  'authsigningkeys',
  'servicetokenkeys',
  'privatekey',
  'privatekeys',
  'apikey',
  'xapikey',
  'secret',
  'credentials',
]);
/** Suffixes that make any key a credential: `password`, `newPassword`, `access_token`, `clientSecret`… */
const SECRET_SUFFIXES = ['password', 'passwd', 'token', 'secret', 'passphrase'];
/** Private members of a JSON Web Key (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const JWK_PRIVATE = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']);
const MAX_DEPTH = 10;

function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
}

/**
 * A copy of a log object with every credential-named field censored at any depth; errors are
 * serialized first (so their own enumerable fields, e.g. a request's headers, are scrubbed too).
 */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (value instanceof Error) return scrub(stdSerializers.err(value), depth, seen);
    if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1, seen));
    if (Buffer.isBuffer(value) || value instanceof Date || value instanceof URL) return value;
    if (value instanceof Map) return scrub(Object.fromEntries(value), depth, seen);
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return scrub((value as { toJSON(): unknown }).toJSON(), depth, seen);
    }
    const jwk = 'kty' in value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = isSecretKey(key) || (jwk && JWK_PRIVATE.has(key)) ? REDACTED : scrub(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

// Every run is bounded: unbounded runs after `\b` backtrack quadratically on long lines.
const KEY_ALTERNATION = '(?:[a-z0-9_-]{0,64}(?:password|passwd|token|secret)|authorization|cookie|signing_?keys)';
/** Last line of defence on the serialized line, for credentials inside free text (messages, stacks). */
const LINE_RULES: [RegExp, string][] = [
  // `Authorization: Bearer <token>`, `Basic <base64>`.
  [/\b(Bearer|bearer|BEARER|Basic)(?:\s+|%20)[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  // Anything shaped like a JWT / JWS (three base64url parts, the first a JSON header).
  [/\beyJ[A-Za-z0-9_-]{0,512}\.[A-Za-z0-9_-]{1,8192}\.[A-Za-z0-9_-]{0,4096}/g, REDACTED],
  // Credentials in URLs: scheme://user:password@host.
  [/(\b[a-z][a-z0-9+.-]{0,31}:\/\/[^\s:/@"]{0,256}:)[^\s@/"]{1,1024}@/gi, `$1${REDACTED}@`],
  // Form or query encoded: password=…, access_token=….
  [new RegExp(`(\\b${KEY_ALTERNATION}=)[^&\\s"\\\\]+`, 'gi'), `$1${REDACTED}`],
  // JSON quoted inside a string (e.g. a parser's message): \"password\":\"…\".
  [new RegExp(`((?:\\\\)*"${KEY_ALTERNATION}(?:\\\\)*"\\s*:\\s*(?:\\\\)*")(?!\\[redacted\\])[^"\\\\]*`, 'gi'), `$1${REDACTED}`],
];

export function scrubLine(line: string): string {
  let out = line;
  for (const [pattern, replacement] of LINE_RULES) out = out.replace(pattern, replacement);
  return out;
}

export interface LoggerOptions {
  level: string;
  /** Human-readable lines when stdout is a terminal; JSON lines otherwise, whatever this says. */
  pretty: boolean;
}

/**
 * The process logger. No line can carry a credential: fields with credential names are censored at
 * any depth, and the serialized line is scrubbed of bearer tokens, JWTs and URL passwords.
 * `destination` (tests) receives the JSON lines instead of stdout. `correlate` gives the ids of the
 * span in progress (`trace_id`, `span_id`) when tracing is on.
 */
export function createLogger(
  options: LoggerOptions,
  requests: RequestContext,
  destination?: DestinationStream,
  correlate?: () => Record<string, string> | undefined,
): Logger {
  const settings = {
    level: options.level,
    base: { pid: process.pid },
    // No pino `redact` paths: the formatter's key scrubber censors the same names at any depth,
    // and redact's wildcard paths cost two thirds of a line's CPU (13 of 20 µs here). The values a
    // message interpolates (`%j`, `%o`, `%O`) never reach the formatter, so logMethod scrubs them.
    formatters: {
      log: (object: Record<string, unknown>) => scrub(object) as Record<string, unknown>,
    },
    hooks: {
      streamWrite: scrubLine,
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        const first = typeof args[0] === 'string' ? 1 : 2;
        if (args.length > first) for (let i = first; i < args.length; i++) args[i] = scrub(args[i]);
        method.apply(this, args);
      },
    },
    mixin: () => {
      const scope = requests.current();
      const ids = correlate?.();
      if (!ids) return scope ? { reqId: scope.requestId } : {};
      return scope ? { reqId: scope.requestId, ...ids } : ids;
    },
    // Pretty lines are for a person at a terminal. Piped or redirected (a file, a container's log
    // driver, a harness), the output stays JSON lines: pino-pretty's worker thread cost the
    // all-in-one about a sixth of its CPU per order at the info level (bench/README.md).
    transport:
      options.pretty && !destination && process.stdout.isTTY === true
        ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
        : undefined,
  };
  const logger = destination ? pino(settings, destination) : pino(settings);
  // Child bindings skip the formatters, so they are scrubbed on the way in; children inherit this.
  const child = logger.child;
  logger.child = function scrubbedChild(this: Logger, bindings, childOptions) {
    return child.call(this, scrub(bindings) as typeof bindings, childOptions);
  } as typeof logger.child;
  return logger;
}
