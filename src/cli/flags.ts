/**
 * Flag parsing and help text shared by every command, on top of node's `util.parseArgs`, with
 * kubectl/k3s conventions: `--name value` and `--name=value`, repeatable flags, comma-separated
 * lists, `-v=N` as klog writes it, `--` ends flags. Errors are UsageError values (exit code 2) with
 * pflag's wording (`unknown flag: --foo`, `flag needs an argument: --data-dir`).
 */
import { parseArgs } from 'node:util';

export interface FlagSpec {
  /** Long name without dashes, e.g. `data-dir`. */
  name: string;
  /** One-letter alias without the dash, e.g. `v`. */
  short?: string;
  type: 'string' | 'boolean';
  /** May be given more than once (values accumulate). */
  multiple?: boolean;
  /** Word shown after the flag in help (`string`, `int`, `strings`); derived from type when absent. */
  valueName?: string;
  /** Default as shown in help; undefined shows none. */
  defaultText?: string;
  description: string;
}

/** A command-line mistake: print `Error: <message>` and a hint, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
  constructor(
    message: string,
    /** The command whose `--help` the hint points at, e.g. `flotilla server`. */
    readonly command: string,
  ) {
    super(message);
  }
}

export type FlagValue = string | string[] | boolean;

export interface ParsedFlags {
  /** Values by long name, only for flags that were given. Multiple flags give string[]. */
  values: Map<string, FlagValue>;
  positionals: string[];
}

/** Parses `argv` (without the command words) against `specs`. Throws UsageError. */
export function parseFlags(argv: string[], specs: FlagSpec[], command: string): ParsedFlags {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const s of specs) options[s.name] = { type: s.type, ...(s.short ? { short: s.short } : {}) };

  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, FlagValue>();
  const positionals: string[] = [];
  for (const tok of tokens) {
    if (tok.kind === 'positional') {
      positionals.push(tok.value);
      continue;
    }
    if (tok.kind !== 'option') continue;
    const isShort = !tok.rawName.startsWith('--');
    const spec = isShort ? byShort.get(tok.rawName.slice(1)) : byLong.get(tok.rawName.slice(2));
    if (!spec) throw new UsageError(`unknown ${isShort ? 'shorthand ' : ''}flag: ${tok.rawName}`, command);
    let value = tok.value;
    // `-v=4`: parseArgs hands short options the text after the letter, '=' included.
    if (isShort && tok.inlineValue && value?.startsWith('=')) value = value.slice(1);
    if (spec.type === 'boolean') {
      let b = true;
      if (value !== undefined) {
        if (!/^(true|false|1|0)$/i.test(value)) {
          throw new UsageError(`invalid argument "${value}" for "${tok.rawName}" flag: must be true or false`, command);
        }
        b = /^(true|1)$/i.test(value);
      }
      values.set(spec.name, b);
      continue;
    }
    // A separate value that is itself a flag means the value is missing (`--data-dir --tls-san x`).
    if (value === undefined || (!tok.inlineValue && value.startsWith('-') && value !== '-')) {
      throw new UsageError(`flag needs an argument: ${tok.rawName}`, command);
    }
    if (spec.multiple) {
      const prev = values.get(spec.name);
      values.set(spec.name, [...(Array.isArray(prev) ? prev : []), value]);
    } else {
      values.set(spec.name, value);
    }
  }
  return { values, positionals };
}

/** Splits repeated and comma-separated list values (`--tls-san a,b --tls-san c` → a, b, c). */
export function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export interface HelpSpec {
  /** One or two sentences on what the command does. */
  description: string;
  /** Usage lines without the leading "Usage:", e.g. `flotilla server [flags]`. */
  usage: string[];
  specs: FlagSpec[];
  /** Optional sections printed after the usage, e.g. available commands or examples. */
  sections?: Array<{ title: string; lines: string[] }>;
}

/** Renders cobra-style help: description, Usage, extra sections, Flags with types and defaults. */
export function renderHelp(h: HelpSpec): string {
  const out: string[] = [h.description, '', 'Usage:', ...h.usage.map((u) => `  ${u}`)];
  for (const s of h.sections ?? []) out.push('', `${s.title}:`, ...s.lines.map((l) => (l ? `  ${l}` : '')));
  if (h.specs.length) {
    out.push('', 'Flags:');
    const left = h.specs.map((s) => {
      const short = s.short ? `-${s.short}, ` : '    ';
      const word = s.type === 'boolean' ? '' : ` ${s.valueName ?? (s.multiple ? 'strings' : 'string')}`;
      return `  ${short}--${s.name}${word}`;
    });
    const width = Math.max(...left.map((l) => l.length)) + 3;
    h.specs.forEach((s, i) => {
      const plainString = s.type === 'string' && (s.valueName === undefined || s.valueName === 'string');
      const literal = s.defaultText !== undefined && /^[^\s<]+$/.test(s.defaultText);
      const shown = plainString && literal ? JSON.stringify(s.defaultText) : s.defaultText;
      const def = s.defaultText !== undefined ? ` (default ${shown})` : '';
      out.push(`${left[i].padEnd(width)}${s.description}${def}`);
    });
  }
  return out.join('\n') + '\n';
}
