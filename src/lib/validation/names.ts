/**
 * Name and label syntax checks, matching k8s.io/apimachinery/pkg/util/validation. Each returns
 * upstream's messages (empty array: valid).
 */
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const QUALIFIED_NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** Upstream's RegexError: each example is followed by ", " and examples are joined by " or ". */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

/**
 * A check of the common shape: an optional length limit, then the whole value against `fmt` (the
 * regex upstream prints in its message), in upstream's order.
 */
function patternCheck(spec: { max?: number; fmt: string; msg: string; examples: string[] }): (value: string) => string[] {
  const re = new RegExp(`^${spec.fmt}$`);
  return (value) => {
    const errs: string[] = [];
    if (spec.max !== undefined && value.length > spec.max) errs.push(maxLenError(spec.max));
    if (!re.test(value)) errs.push(regexError(spec.msg, spec.fmt, ...spec.examples));
    return errs;
  };
}

export const isDNS1123Label = patternCheck({
  max: DNS1123_LABEL_MAX,
  fmt: DNS1123_LABEL_FMT,
  msg: "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
  examples: ['my-name', '123-abc'],
});

export const isDNS1123Subdomain = patternCheck({
  max: DNS1123_SUBDOMAIN_MAX,
  fmt: `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`,
  msg: "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  examples: ['example.com'],
});

export const isDNS1035Label = patternCheck({
  max: DNS1123_LABEL_MAX,
  fmt: '[a-z]([-a-z0-9]*[a-z0-9])?',
  msg: "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
  examples: ['my-name', 'abc-123'],
});

/** Label keys, annotation keys, finalizer-like names: `[prefix/]name`. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      "a qualified name " +
        regexError(
          "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]',
          'MyName',
          'my.name',
          '123-abc',
        ) +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLenError(63)}`);
  if (name.length > 0 && !QUALIFIED_NAME_RE.test(name))
    errs.push(
      'name part ' +
        regexError(
          "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
          '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]',
          'MyName',
          'my.name',
          '123-abc',
        ),
    );
  return errs;
}

export const isValidLabelValue = patternCheck({
  max: 63,
  fmt: '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?',
  msg: "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
  examples: ['MyValue', 'my_value', '12345'],
});

export const isCIdentifier = patternCheck({
  fmt: '[A-Za-z_][A-Za-z0-9_]*',
  msg: "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'",
  examples: ['my_name', 'MY_NAME', 'MyName'],
});

export const isEnvVarName = patternCheck({
  fmt: '[-._a-zA-Z][-._a-zA-Z0-9]*',
  msg: "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
  examples: ['my.env-name', 'MY_ENV.NAME', 'MyEnvName1'],
});

const configMapKeyPattern = patternCheck({
  max: DNS1123_SUBDOMAIN_MAX,
  fmt: '[-._a-zA-Z0-9]+',
  msg: "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
  examples: ['key.name', 'KEY_NAME', 'key-name'],
});

/** ConfigMap / Secret data keys. */
export function isConfigMapKey(value: string): string[] {
  const errs = configMapKeyPattern(value);
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** An IANA service port name (DNS-1123 label-ish, max 15, at least one letter). */
export function isValidPortName(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(value)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(value)) errs.push('must contain at least one letter (a-z)');
  if (value.includes('--')) errs.push('must not contain consecutive hyphens');
  if (value.length > 0 && (value.startsWith('-') || value.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

/**
 * Path-segment names (what every object name must at least satisfy), as upstream's
 * path.IsValidPathSegmentName.
 */
export function isValidPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}
