/**
 * Label selectors with the semantics of k8s.io/apimachinery/pkg/labels: the string syntax used in
 * `?labelSelector=` (equality- and set-based), matching, and the canonical string form.
 *
 * Selectors are immutable values. A parsed selector keeps its requirements sorted by key (stable), as
 * upstream does, so `selectorToString(parseSelector(s))` is the canonical spelling of `s`.
 */
import { labelValueErrors, qualifiedNameErrors } from './syntax.js';

/** Upstream's selection.Operator values. `!` is DoesNotExist, `gt`/`lt` compare integers. */
export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Set operators: the set (parsed: sorted, unique); equality/gt/lt: exactly one; exists/!: none. */
  readonly values: readonly string[];
}

export interface Selector {
  /** All must match (AND). Empty with `matchesNothing` false: matches everything. */
  readonly requirements: readonly Requirement[];
  /** True only for `nothing` (upstream's labels.Nothing(): matches no object, prints as ""). */
  readonly matchesNothing: boolean;
}

/** A label set; absent and undefined keys are the same as not present. */
export type Labels = Readonly<Record<string, string | undefined>>;

/**
 * A selector string or requirement that does not parse or validate. `message` is upstream's text
 * (the apiserver answers 400 BadRequest with it, e.g. `unable to parse requirement: ...`).
 */
export class SelectorError extends Error {
  override readonly name = 'SelectorError';
  readonly reason = 'BadRequest' as const;
}

export const everything: Selector = Object.freeze({ requirements: Object.freeze([]), matchesNothing: false });
export const nothing: Selector = Object.freeze({ requirements: Object.freeze([]), matchesNothing: true });

// ---------------------------------------------------------------------------------------------
// Field-error text as upstream's field.Error.Error() prints it ("<field>: <body>", even when the
// field path is empty) and utilerrors aggregate (deduplicated, brackets when several).

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function invalidText(field: string, bad: string | readonly string[], detail: string): string {
  const v = typeof bad === 'string' ? goQuote(bad) : `[]string{${bad.map(goQuote).join(', ')}}`;
  return `${field}: Invalid value: ${v}: ${detail}`;
}

function aggregate(msgs: string[]): string {
  const seen: string[] = [];
  for (const m of msgs) if (!seen.includes(m)) seen.push(m);
  return seen.length === 1 ? seen[0]! : `[${seen.join(', ')}]`;
}

function keyError(key: string, field: string): string | undefined {
  const errs = qualifiedNameErrors(key);
  return errs.length ? invalidText(field, key, errs.join('; ')) : undefined;
}

const VALID_OPERATORS: readonly Operator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt', 'exists', '!'];
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64); undefined when it fails. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/**
 * Upstream's labels.NewRequirement: validates the key (qualified name), the value count for the
 * operator, integer values for gt/lt and every value as a label value. `path` prefixes field names
 * in messages (upstream's field.WithPath; empty when parsing a selector string).
 * @throws SelectorError with upstream's aggregated message.
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[], path = ''): Requirement {
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const errs: string[] = [];
  const ke = keyError(key, child('key'));
  if (ke) errs.push(ke);
  const valuePath = child('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidText(valuePath, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidText(valuePath, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidText(valuePath, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidText(valuePath, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined)
          errs.push(invalidText(`${valuePath}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(
        `${child('operator')}: Unsupported value: ${goQuote(String(operator))}: supported values: ${VALID_OPERATORS.map(goQuote).join(', ')}`,
      );
  }
  values.forEach((v, i) => {
    const ve = labelValueErrors(v);
    if (ve.length) errs.push(invalidText(`${valuePath}[${i}][${key}]`, v, ve.join('; ')));
  });
  if (errs.length) throw new SelectorError(aggregate(errs));
  return Object.freeze({ key, operator, values: Object.freeze([...values]) });
}

/** A selector of the given requirements (sorted by key, stably, as upstream's Selector.Add). */
export function selectorOf(requirements: readonly Requirement[]): Selector {
  const sorted = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return Object.freeze({ requirements: Object.freeze(sorted), matchesNothing: false });
}

/**
 * Upstream's SelectorFromValidatedSet / ValidatedSelectorFromSet: `k=v` for every entry.
 * @throws SelectorError when a key or value is invalid.
 */
export function selectorFromSet(set: Labels): Selector {
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(set)) if (v !== undefined) reqs.push(newRequirement(k, '=', [v]));
  return selectorOf(reqs);
}

// ---------------------------------------------------------------------------------------------
// Lexer and parser (same tokens, contexts and error texts as upstream's labels.Parser).

type Tok = 'error' | 'eos' | ')' | ',' | '!' | '==' | '=' | '>' | 'in' | '<' | '!=' | 'notin' | '(' | 'id';
interface Item {
  tok: Tok;
  lit: string;
}

const KEYWORDS: Readonly<Record<string, Tok>> = {
  ')': ')', ',': ',', '!': '!', '==': '==', '=': '=', '>': '>', in: 'in', '<': '<', '!=': '!=', notin: 'notin', '(': '(',
};
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const read = (): string => (pos < s.length ? s[pos++]! : (pos++, '\0'));
  for (;;) {
    let ch = read();
    while (isWhitespace(ch)) ch = read();
    if (ch === '\0') {
      items.push({ tok: 'eos', lit: '' });
      return items;
    }
    pos--;
    if (isSpecial(ch)) {
      // Longest known operator made of special symbols.
      let buf = '';
      let last: Item | undefined;
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (!isSpecial(c)) {
          pos--;
          break;
        }
        buf += c;
        const t = KEYWORDS[buf];
        if (t !== undefined) last = { tok: t, lit: buf };
        else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'error', lit: `error expected: keyword found '${buf}'` });
    } else {
      let buf = '';
      for (;;) {
        const c = read();
        if (c === '\0') break;
        if (isSpecial(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buf += c;
      }
      const t = Object.hasOwn(KEYWORDS, buf) ? KEYWORDS[buf]! : 'id';
      items.push({ tok: t, lit: buf });
    }
  }
}

type Context = 'keyAndOperator' | 'values';

class Parser {
  private pos = 0;
  constructor(private readonly items: Item[]) {}

  lookahead(ctx: Context): Item {
    return this.adjust(this.items[Math.min(this.pos, this.items.length - 1)]!, ctx);
  }
  consume(ctx: Context): Item {
    const it = this.items[Math.min(this.pos, this.items.length - 1)]!;
    this.pos++;
    return this.adjust(it, ctx);
  }
  private adjust(it: Item, ctx: Context): Item {
    return ctx === 'values' && (it.tok === 'in' || it.tok === 'notin') ? { tok: 'id', lit: it.lit } : it;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead('values');
      if (tok === 'id' || tok === '!') {
        let r: Requirement;
        try {
          r = this.requirement();
        } catch (e) {
          throw new SelectorError(`unable to parse requirement: ${(e as Error).message}`);
        }
        reqs.push(r);
        const next = this.consume('values');
        if (next.tok === 'eos') return reqs;
        if (next.tok === ',') {
          const after = this.lookahead('values');
          if (after.tok !== 'id' && after.tok !== '!')
            throw new SelectorError(`found '${after.lit}', expected: identifier after ','`);
          continue;
        }
        throw new SelectorError(`found '${next.lit}', expected: ',' or 'end of string'`);
      }
      if (tok === 'eos') return reqs;
      throw new SelectorError(`found '${lit}', expected: !, identifier, or 'end of string'`);
    }
  }

  private requirement(): Requirement {
    let op: Operator | undefined;
    let t = this.consume('values');
    if (t.tok === '!') {
      op = '!';
      t = this.consume('values');
    }
    if (t.tok !== 'id') throw new Error(`found '${t.lit}', expected: identifier`);
    const key = t.lit;
    const ke = keyError(key, '');
    if (ke) throw new Error(ke);
    const la = this.lookahead('values').tok;
    if ((la === 'eos' || la === ',') && op !== '!') op = 'exists';
    if (op === 'exists' || op === '!') return newRequirement(key, op, []);
    op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.setValues() : this.exactValue();
    return newRequirement(key, op, [...new Set(values)].sort());
  }

  private operator(): Operator {
    const { tok, lit } = this.consume('keyAndOperator');
    switch (tok) {
      case 'in':
        return 'in';
      case '=':
        return '=';
      case '==':
        return '==';
      case '>':
        return 'gt';
      case '<':
        return 'lt';
      case 'notin':
        return 'notin';
      case '!=':
        return '!=';
      default:
        throw new Error(`found '${lit}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private setValues(): string[] {
    const open = this.consume('values');
    if (open.tok !== '(') throw new Error(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead('values');
    if (tok === 'id' || tok === ',') {
      const vals = this.identifiers();
      if (this.consume('values').tok !== ')') throw new Error(`found '${lit}', expected: ')'`);
      return vals;
    }
    if (tok === ')') {
      this.consume('values');
      return [''];
    }
    throw new Error(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private identifiers(): string[] {
    const out: string[] = [];
    for (;;) {
      const { tok, lit } = this.consume('values');
      if (tok === 'id') {
        out.push(lit);
        const next = this.lookahead('values');
        if (next.tok === ',') continue;
        if (next.tok === ')') return out;
        throw new Error(`found '${next.lit}', expected: ',' or ')'`);
      }
      if (tok === ',') {
        if (out.length === 0) out.push('');
        const next = this.lookahead('values');
        if (next.tok === ')') {
          out.push('');
          return out;
        }
        if (next.tok === ',') {
          this.consume('values');
          out.push('');
        }
        continue;
      }
      throw new Error(`found '${lit}', expected: ',', or identifier`);
    }
  }

  private exactValue(): string[] {
    const la = this.lookahead('values');
    if (la.tok === 'eos' || la.tok === ',') return [''];
    const { tok, lit } = this.consume('values');
    if (tok === 'id') return [lit];
    throw new Error(`found '${lit}', expected: identifier`);
  }
}

/**
 * Parses a label selector string (upstream's labels.Parse). The empty or blank string selects
 * everything.
 * @throws SelectorError with upstream's message.
 */
export function parseSelector(s: string): Selector {
  return selectorOf(new Parser(lex(s)).parse());
}

// ---------------------------------------------------------------------------------------------

function has(labels: Labels | undefined, key: string): boolean {
  return labels !== undefined && Object.hasOwn(labels, key) && labels[key] !== undefined;
}

/** Whether one requirement holds for the labels (upstream's Requirement.Matches). */
export function requirementMatches(r: Requirement, labels: Labels | undefined): boolean {
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has(labels, r.key) && r.values.includes(labels![r.key]!);
    case 'notin':
    case '!=':
      return !has(labels, r.key) || !r.values.includes(labels![r.key]!);
    case 'exists':
      return has(labels, r.key);
    case '!':
      return !has(labels, r.key);
    case 'gt':
    case 'lt': {
      if (!has(labels, r.key) || r.values.length !== 1) return false;
      const actual = parseInt64(labels![r.key]!);
      const bound = parseInt64(r.values[0]!);
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
    default:
      return false;
  }
}

/** Whether every requirement holds (`nothing` matches no label set, `everything` all of them). */
export function matches(selector: Selector, labels: Labels | undefined): boolean {
  if (selector.matchesNothing) return false;
  return selector.requirements.every((r) => requirementMatches(r, labels));
}

/** Upstream's Selector.Empty(): true when the selector matches everything. */
export function isEverything(selector: Selector): boolean {
  return !selector.matchesNothing && selector.requirements.length === 0;
}

/** Canonical text of one requirement (upstream's Requirement.String). */
export function requirementToString(r: Requirement): string {
  const bang = r.operator === '!' ? '!' : '';
  const sep: Record<Operator, string> = {
    '=': '=', '==': '==', '!=': '!=', in: ' in ', notin: ' notin ', gt: '>', lt: '<', exists: '', '!': '',
  };
  if (r.operator === 'exists' || r.operator === '!') return `${bang}${r.key}`;
  const vals = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(',');
  const body = r.operator === 'in' || r.operator === 'notin' ? `(${vals})` : vals;
  return `${r.key}${sep[r.operator]}${body}`;
}

/** Canonical text (upstream's Selector.String): requirements joined by `,`; "" for everything/nothing. */
export function selectorToString(selector: Selector): string {
  return selector.requirements.map(requirementToString).join(',');
}

/**
 * Upstream's RequiresExactMatch: the value `key` must have for the selector to match (from an `=`,
 * `==` or single-valued `in` requirement), if any.
 */
export function requiresExactMatch(selector: Selector, key: string): string | undefined {
  for (const r of selector.requirements) {
    if (r.key !== key) continue;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }
  return undefined;
}
