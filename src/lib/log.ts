/**
 * Structured, levelled logging in the klog style: `logger.info('msg', { key: value })`, a named child
 * logger per component, object references as `namespace/name`. The sink (where lines go) is injected
 * by the composition root; this module does no I/O itself.
 */
export type LogFields = Record<string, unknown>;

export interface LogRecord {
  time: Date;
  level: 'error' | 'warn' | 'info' | 'debug';
  /** klog-style verbosity for info/debug records (0 = always shown). */
  v: number;
  component: string;
  msg: string;
  fields: LogFields;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  error(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  /** Verbose info, shown when the configured verbosity ≥ v. */
  v(level: number): { info(msg: string, fields?: LogFields): void };
  child(component: string): Logger;
}

export function createLogger(sink: LogSink, opts: { verbosity?: number; component?: string; now?: () => Date } = {}): Logger {
  const verbosity = opts.verbosity ?? 0;
  const now = opts.now ?? (() => new Date());
  const component = opts.component ?? '';
  const emit = (level: LogRecord['level'], v: number, msg: string, fields: LogFields = {}) => {
    if (v > verbosity) return;
    sink({ time: now(), level, v, component, msg, fields });
  };
  return {
    error: (m, f) => emit('error', 0, m, f),
    warn: (m, f) => emit('warn', 0, m, f),
    info: (m, f) => emit('info', 0, m, f),
    v: (level) => ({ info: (m, f) => emit(level >= 4 ? 'debug' : 'info', level, m, f) }),
    child: (name) => createLogger(sink, { verbosity, now, component: component ? `${component}.${name}` : name }),
  };
}

/** Renders a record as one klog-like text line: `I1124 07:10:00.123 apiserver] msg key=value`. */
export function formatLogRecord(r: LogRecord): string {
  const lvl = r.level === 'error' ? 'E' : r.level === 'warn' ? 'W' : 'I';
  const t = r.time.toISOString();
  const stamp = `${t.slice(5, 7)}${t.slice(8, 10)} ${t.slice(11, 23)}`;
  const kv = Object.entries(r.fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : v instanceof Error ? JSON.stringify(v.message) : JSON.stringify(v)}`)
    .join(' ');
  return `${lvl}${stamp} ${r.component || 'flotilla'}] ${r.msg}${kv ? ' ' + kv : ''}`;
}

/** A logger that drops everything (tests). */
export const discardLogger: Logger = createLogger(() => {});
