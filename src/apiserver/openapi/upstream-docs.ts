/**
 * Upstream's API documentation, read from the declaration files of the npm packages
 * `kubernetes-models` and `@kubernetes-models/apimachinery`. Those files are generated from
 * Kubernetes' own OpenAPI document: each definition is one `.d.ts` file whose JSDoc comments carry
 * the definition's and every field's `description` verbatim (only `*` and `*`+`/` are escaped to
 * survive in a comment), and whose closing `export { I<Name> as I<Alias>, ... }` names the
 * definition (`IoK8sApiAppsV1DeploymentStrategy` for `io.k8s.api.apps.v1.DeploymentStrategy`).
 *
 * This module is pure: it turns file texts into a lookup table. The loader (upstream-docs-loader.ts)
 * does the reading. Nothing of upstream's text lives in our source.
 */

/** One field of an upstream definition. */
export interface UpstreamField {
  description?: string;
  /**
   * Alias of the definition the field's value (or array item / map value) is, e.g.
   * `IoK8sApiAppsV1RollingUpdateDeployment`; undefined for scalars and free-form values.
   */
  type?: string;
  /** Upstream's `enum` of a string field (the package types it as a union of literals). */
  enum?: string[];
  /** The same for the items of an array field. */
  itemEnum?: string[];
  /** Listed in the definition's `required`. */
  required?: true;
}

/** One upstream definition. */
export interface UpstreamType {
  description?: string;
  properties: ReadonlyMap<string, UpstreamField>;
}

/** Upstream definitions by alias (see `aliasOf`). Read-only once built. */
export interface UpstreamDocs {
  /** The definition named by an OpenAPI definition name (`io.k8s.api.core.v1.Pod`) or its alias. */
  type(nameOrAlias: string): UpstreamType | undefined;
  /** How many definitions are known. */
  readonly size: number;
  /** Where the text comes from, for logs and the README (package names and versions). */
  readonly source: string;
}

/**
 * The alias kubernetes-models gives a definition name: each dot- or dash-separated segment with its
 * first letter upper-cased, concatenated (`io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService`
 * → `IoK8sKubeAggregatorPkgApisApiregistrationV1APIService`). Aliases pass through unchanged.
 */
export function aliasOf(name: string): string {
  if (!name.includes('.')) return name;
  return name
    .split(/[.-]/)
    .map((s) => (s ? s[0]!.toUpperCase() + s.slice(1) : s))
    .join('');
}

/** Undoes the comment escaping of the generator (`\*` for `*`, `\/` after it). */
function unescapeComment(text: string): string {
  return text.replace(/\\\*/g, '*').replace(/\*\\\//g, '*/');
}

/** The text of a `/** ... *\/` block given as its lines (the opening and closing lines included). */
function commentText(lines: readonly string[]): string | undefined {
  const body: string[] = [];
  for (const raw of lines) {
    let l = raw.trim();
    if (l.startsWith('/**')) l = l.slice(3);
    if (l.endsWith('*/')) l = l.slice(0, -2);
    l = l.trimEnd();
    if (l.startsWith('* ')) l = l.slice(2);
    else if (l === '*') l = '';
    else if (l.startsWith('*')) l = l.slice(1);
    body.push(l);
  }
  while (body.length && body[0] === '') body.shift();
  while (body.length && body[body.length - 1] === '') body.pop();
  if (!body.length) return undefined;
  return unescapeComment(body.join('\n'));
}

const ALIAS_REF = /\bI(Io[A-Z][A-Za-z0-9]*)\b/;
const EXPORT_ALIAS = /^export\s*\{\s*I\w+\s+as\s+I(\w+)\s*,/;
const PROPERTY = /^ {4}(?:readonly\s+)?(?:"([^"]+)"|([A-Za-z_$][\w$]*))(\?)?:\s*(.*)$/;

/**
 * Parses one generated declaration file. Returns the definition's alias and documentation, or
 * undefined for files that declare no definition (index files, helpers). Tolerant: anything it does
 * not recognise is skipped, never thrown.
 */
export function parseDeclarationFile(text: string): { alias: string; type: UpstreamType } | undefined {
  const lines = text.split('\n');
  let alias: string | undefined;
  let description: string | undefined;
  const properties = new Map<string, UpstreamField>();
  let comment: string[] | undefined; // the block being read
  let lastComment: string | undefined; // the block just closed, for the next declaration
  let inInterface = false;
  let seenDecl = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (comment) {
      comment.push(line);
      if (t.endsWith('*/')) {
        lastComment = commentText(comment);
        comment = undefined;
      }
      continue;
    }
    if (t.startsWith('/**')) {
      comment = [line];
      if (t.endsWith('*/') && t.length > 4) {
        lastComment = commentText(comment);
        comment = undefined;
      }
      continue;
    }
    const m = EXPORT_ALIAS.exec(t);
    if (m) {
      alias = m[1];
      continue;
    }
    if (!seenDecl && /^export\s+(?:declare\s+)?(?:interface|type)\s+I\w+/.test(t)) {
      seenDecl = true;
      description = lastComment;
      lastComment = undefined;
      inInterface = /\binterface\b/.test(t) && t.endsWith('{');
      continue;
    }
    if (inInterface) {
      if (line.startsWith('}')) {
        inInterface = false;
        continue;
      }
      const p = PROPERTY.exec(line);
      if (p) {
        const name = (p[1] ?? p[2])!;
        // A type may span lines (`{ [key: string]: ... }`): read until its braces balance.
        let typeText = p[4]!;
        let depth = braceDepth(typeText);
        while (depth > 0 && i + 1 < lines.length) {
          i++;
          typeText += ' ' + lines[i]!.trim();
          depth = braceDepth(typeText);
        }
        const ref = ALIAS_REF.exec(typeText);
        const field: UpstreamField = {};
        if (lastComment !== undefined) field.description = lastComment;
        if (ref) field.type = ref[1];
        // Upstream's `required` (the package types required fields as non-optional; a kind's
        // apiVersion and kind are typed so too, as literals, but are never required upstream).
        const kindLiteral = (name === 'apiVersion' || name === 'kind') && /^"/.test(typeText.trim());
        if (p[3] === undefined && !kindLiteral) field.required = true;
        // A kind's apiVersion and kind are literals too, but no enum upstream.
        if (name !== 'apiVersion' && name !== 'kind') {
          const t = typeText.trim().replace(/;$/, '');
          const arr = /^Array<(.*)>$/.exec(t);
          const values = literalUnion(arr ? arr[1]! : t);
          if (values && arr) field.itemEnum = values;
          else if (values) field.enum = values;
        }
        properties.set(name, field);
      }
      lastComment = undefined;
    }
  }
  if (!alias || !seenDecl) return undefined;
  const type: UpstreamType = { properties };
  if (description !== undefined) type.description = description;
  return { alias, type };
}

const LITERAL_UNION = /^"(?:[^"\\]|\\.)*"(?:\s*\|\s*"(?:[^"\\]|\\.)*")*$/;

/** `"A" | "B"` → ['A', 'B']; undefined for anything else. */
function literalUnion(t: string): string[] | undefined {
  if (!LITERAL_UNION.test(t)) return undefined;
  return [...t.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]!}"`) as string);
}

function braceDepth(s: string): number {
  let d = 0;
  for (const c of s) {
    if (c === '{') d++;
    else if (c === '}') d--;
  }
  return d;
}

/** Builds a lookup table file by file. A later file does not replace an earlier one with the same alias. */
export function upstreamDocsBuilder(source: string): { add(text: string): void; done(): UpstreamDocs } {
  const table = new Map<string, UpstreamType>();
  return {
    add(text) {
      const parsed = parseDeclarationFile(text);
      if (parsed && !table.has(parsed.alias)) table.set(parsed.alias, parsed.type);
    },
    done: () => ({ type: (name) => table.get(aliasOf(name)), size: table.size, source }),
  };
}

/** A lookup table over parsed files. */
export function upstreamDocsFrom(files: Iterable<string>, source: string): UpstreamDocs {
  const b = upstreamDocsBuilder(source);
  for (const text of files) b.add(text);
  return b.done();
}

/** An empty table: documents keep only our own descriptions. */
export const NO_UPSTREAM_DOCS: UpstreamDocs = { type: () => undefined, size: 0, source: 'none' };
