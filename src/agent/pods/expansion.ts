/**
 * `$(VAR)` references as upstream's third_party/forked/golang/expansion: `$(NAME)` is replaced by
 * the mapping's value, `$$` is an escaped `$`, an undefined reference and an unterminated `$(` are
 * kept literally, and a `$` before any other character is kept with it. Pure.
 */

/** Looks a name up in each context in turn; an undefined name maps to its own `$(NAME)` spelling. */
export function mappingFuncFor(...contexts: ReadonlyArray<ReadonlyMap<string, string>>): (name: string) => string {
  return (name) => {
    for (const vars of contexts) {
      const v = vars.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

/** Expands every `$(VAR)` of `input` through `mapping` (one pass: substituted text is not re-expanded). */
export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') {
      out += '$';
    } else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close === -1) {
        out += '$(';
      } else {
        out += mapping(input.slice(cursor + 2, close));
        advance = close - cursor;
      }
    } else {
      out += '$' + next;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
