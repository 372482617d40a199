/**
 * Structured logging: one line per decision an operator needs, keys bound once per invocation.
 * Every line passes through `redact`, which removes bearer tokens, JWTs, PEM blocks, storage keys
 * and SAS signatures, function keys (the `code` query parameter and the `x-functions-key` header,
 * see Microsoft's "Azure Functions HTTP trigger: authorization keys") and the values of secret
 * settings, so a mistake elsewhere cannot put a credential in a log.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (level: LogLevel, line: string, record: Record<string, unknown>) => void;

const secretValues = new Set<string>();

/**
 * Shorter secrets are not registered: scrubbing every occurrence of a 3-letter string would shred
 * the logs. The configuration refuses secret settings shorter than this (config-rules.ts), so no
 * configured secret falls below it.
 */
export const MIN_REDACTED_SECRET_LENGTH = 6;

/** Register a secret (client secret, key passphrase, hash key) so it is scrubbed from every line. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_REDACTED_SECRET_LENGTH) secretValues.add(value);
}

const PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g, '[redacted pem]'],
  [/(bearer\s+)[A-Za-z0-9\-_.~+/]+=*/gi, '$1[redacted]'],
  [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '[redacted jwt]'],
  [/(client_secret|client_assertion|refresh_token|access_token)=[^&\s"]+/gi, '$1=[redacted]'],
  [/(AccountKey|SharedAccessSignature|sig)=[^;&\s"]+/gi, '$1=[redacted]'],
  // Function keys: `?code=` (also percent-encoded `code%3D` in a logged URL) and the header.
  [/((?:[?&;]|%3F|%26)code(?:=|%3D))(?:(?!%26)[^&\s"'#;\\])+/gi, '$1[redacted]'],
  [/(x-functions-key\\?["']?\s*[:=]\s*\\?["']?)[^"'\s,;&}\\]+/gi, '$1[redacted]'],
];

/**
 * A URL as it may be shown to a person: no query string (SAS tokens, `code=` keys) and no user
 * information. Text that is not a URL is returned redacted.
 */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.search = '';
    u.username = '';
    u.password = '';
    u.hash = '';
    return u.toString();
  } catch {
    return redact(url);
  }
}

export function redact(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  for (const secret of secretValues)
    if (out.includes(secret)) out = out.split(secret).join('[redacted secret]');
  return out;
}

function serialize(value: unknown): unknown {
  if (value instanceof Error) {
    const facts = (value as { toLog?: () => Record<string, unknown> }).toLog?.();
    return facts ?? { error: value.name, message: value.message };
  }
  return value;
}

export function createLogger(
  sink: LogSink,
  bound: Record<string, unknown> = {},
  minLevel: LogLevel = 'info',
): Logger {
  const order: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
  const emit = (level: LogLevel, event: string, fields?: Record<string, unknown>) => {
    if (order[level] < order[minLevel]) return;
    const record: Record<string, unknown> = { level, event, ...bound };
    for (const [k, v] of Object.entries(fields ?? {})) if (v !== undefined) record[k] = serialize(v);
    sink(level, redact(JSON.stringify(record)), record);
  };
  return {
    debug: (e, f) => emit('debug', e, f),
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    child: (fields) => createLogger(sink, { ...bound, ...fields }, minLevel),
  };
}

/** A logger that writes JSON lines to stderr (CLI and local runner). */
export function stderrLogger(bound: Record<string, unknown> = {}, minLevel: LogLevel = 'info'): Logger {
  return createLogger((_level, line) => process.stderr.write(`${line}\n`), bound, minLevel);
}

/** A logger that keeps lines in memory; tests read `lines` and scan them for leaks. */
export function memoryLogger(): Logger & { lines: string[]; records: Array<Record<string, unknown>> } {
  const lines: string[] = [];
  const records: Array<Record<string, unknown>> = [];
  const logger = createLogger(
    (_l, line) => {
      lines.push(line);
      records.push(JSON.parse(line) as Record<string, unknown>);
    },
    {},
    'debug',
  );
  return Object.assign(logger, { lines, records });
}

export const silentLogger: Logger = createLogger(() => undefined);
