/**
 * Sets of field paths, the unit of ownership in server-side apply (upstream's fieldpath.Set),
 * stored as the tree that FieldsV1 serializes. A path is a list of elements in FieldsV1 spelling:
 * `f:<field>` (a map entry or struct field), `k:<json object>` (an associative list item by its
 * keys, keys sorted), `v:<json>` (a set item by value), `i:<n>` (an index; decoded, never made).
 * A node is a member when the path to it is in the set; it may have member descendants as well.
 *
 * Sets are values: every operation returns a new set and never changes its inputs.
 */
import { isObject, type Json } from './types.js';

export type PathElement = string;
export type Path = readonly PathElement[];

class Node {
  member = false;
  readonly children = new Map<PathElement, Node>();
}

export class FieldSet {
  private constructor(private readonly root: Node) {}

  static empty(): FieldSet {
    return new FieldSet(new Node());
  }

  static of(paths: Iterable<Path>): FieldSet {
    const root = new Node();
    for (const p of paths) insertInto(root, p);
    return new FieldSet(root);
  }

  /**
   * Decodes FieldsV1 (`{"f:data":{".":{},"f:a":{}}}`).
   * @throws Error on anything that is not FieldsV1 (non-object values, unknown prefixes).
   */
  static fromFieldsV1(v: unknown): FieldSet {
    const root = new Node();
    const walk = (obj: unknown, node: Node, depth: number): void => {
      if (!isObject(obj)) throw new Error('FieldsV1: expected an object');
      if (depth > 256) throw new Error('FieldsV1: too deep');
      for (const [k, child] of Object.entries(obj)) {
        if (k === '.') {
          if (!isObject(child) || Object.keys(child).length) throw new Error('FieldsV1: "." must be {}');
          node.member = true;
          continue;
        }
        if (!/^[fkvi]:/.test(k)) throw new Error(`FieldsV1: unknown path element ${JSON.stringify(k)}`);
        let n = node.children.get(k);
        if (!n) node.children.set(k, (n = new Node()));
        if (!isObject(child)) throw new Error('FieldsV1: expected an object');
        if (Object.keys(child).length === 0) n.member = true;
        else walk(child, n, depth + 1);
      }
    };
    walk(v, root, 0);
    return new FieldSet(root);
  }

  /** FieldsV1 with upstream's ordering: ".", then fields, keys, values, indexes (each sorted). */
  toFieldsV1(): Record<string, unknown> {
    const enc = (node: Node): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (node.member && node.children.size) out['.'] = {};
      for (const k of [...node.children.keys()].sort(compareElements)) out[k] = enc(node.children.get(k)!);
      return out;
    };
    return enc(this.root);
  }

  isEmpty(): boolean {
    const any = (n: Node): boolean => n.member || [...n.children.values()].some(any);
    return !any(this.root);
  }

  has(path: Path): boolean {
    let n: Node | undefined = this.root;
    for (const e of path) {
      n = n.children.get(e);
      if (!n) return false;
    }
    return n.member;
  }

  /** The subset below `element`, re-rooted there (upstream's WithPrefix). */
  child(element: PathElement): FieldSet {
    const n = this.root.children.get(element);
    return new FieldSet(n ? cloneNode(n, false) : new Node());
  }

  /** Whether `element` is itself a member at the root. */
  hasChild(element: PathElement): boolean {
    return this.root.children.get(element)?.member ?? false;
  }

  /** Only the subtree at root element `element` (the element itself included). */
  only(element: PathElement): FieldSet {
    const root = new Node();
    const n = this.root.children.get(element);
    if (n) root.children.set(element, cloneNode(n, true));
    return new FieldSet(root);
  }

  /** Everything but the subtree at root element `element`. */
  without(element: PathElement): FieldSet {
    const root = cloneNode(this.root, true);
    root.children.delete(element);
    return new FieldSet(root);
  }

  insert(path: Path): FieldSet {
    const root = cloneNode(this.root, true);
    insertInto(root, path);
    return new FieldSet(root);
  }

  union(other: FieldSet): FieldSet {
    const u = (a: Node | undefined, b: Node | undefined): Node => {
      const n = new Node();
      n.member = Boolean(a?.member || b?.member);
      const keys = new Set([...(a?.children.keys() ?? []), ...(b?.children.keys() ?? [])]);
      for (const k of keys) n.children.set(k, u(a?.children.get(k), b?.children.get(k)));
      return n;
    };
    return new FieldSet(prune(u(this.root, other.root)));
  }

  difference(other: FieldSet): FieldSet {
    const d = (a: Node, b: Node | undefined): Node => {
      const n = new Node();
      n.member = a.member && !b?.member;
      for (const [k, c] of a.children) n.children.set(k, d(c, b?.children.get(k)));
      return n;
    };
    return new FieldSet(prune(d(this.root, other.root)));
  }

  intersection(other: FieldSet): FieldSet {
    const i = (a: Node, b: Node): Node => {
      const n = new Node();
      n.member = a.member && b.member;
      for (const [k, c] of a.children) {
        const bc = b.children.get(k);
        if (bc) n.children.set(k, i(c, bc));
      }
      return n;
    };
    return new FieldSet(prune(i(this.root, other.root)));
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** Every member path, depth first in FieldsV1 order. */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (n: Node, prefix: PathElement[]): void => {
      if (n.member && prefix.length) out.push([...prefix]);
      for (const k of [...n.children.keys()].sort(compareElements)) walk(n.children.get(k)!, [...prefix, k]);
    };
    walk(this.root, []);
    return out;
  }

  /** Visits the tree: `fn(element, member, subset)` for each child of the root. */
  forEachChild(fn: (element: PathElement, member: boolean, subset: FieldSet) => void): void {
    for (const [k, n] of this.root.children) fn(k, n.member, new FieldSet(cloneNode(n, false)));
  }

  /**
   * Marks as members the named (declared) fields that have member descendants (upstream's
   * EnsureNamedFieldsAreMembers): `isNamed(path)` says whether the last element of `path` is a
   * struct field rather than a map entry or list item.
   */
  withNamedFieldsAsMembers(isNamed: (path: Path) => boolean): FieldSet {
    const root = cloneNode(this.root, true);
    const walk = (n: Node, prefix: PathElement[]): void => {
      for (const [k, c] of n.children) {
        const p = [...prefix, k];
        if (c.children.size && isNamed(p)) c.member = true;
        walk(c, p);
      }
    };
    walk(root, []);
    return new FieldSet(root);
  }
}

function insertInto(root: Node, path: Path): void {
  let n = root;
  for (const e of path) {
    let c = n.children.get(e);
    if (!c) n.children.set(e, (c = new Node()));
    n = c;
  }
  if (path.length) n.member = true;
}

function cloneNode(n: Node, keepMember: boolean): Node {
  const c = new Node();
  c.member = keepMember && n.member;
  for (const [k, v] of n.children) c.children.set(k, cloneNode(v, true));
  return c;
}

/** Drops subtrees without members. */
function prune(n: Node): Node {
  for (const [k, c] of [...n.children]) {
    prune(c);
    if (!c.member && c.children.size === 0) n.children.delete(k);
  }
  return n;
}

const KIND_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

function compareElements(a: PathElement, b: PathElement): number {
  const ka = KIND_ORDER[a[0]!] ?? 4;
  const kb = KIND_ORDER[b[0]!] ?? 4;
  if (ka !== kb) return ka - kb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- path elements -------------------------------------------------------------------------

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** `k:{"name":"x","protocol":"TCP"}`: key fields in sorted order. */
export function keyElement(keys: Record<string, Json>): PathElement {
  const sorted: Record<string, Json> = {};
  for (const k of Object.keys(keys).sort()) sorted[k] = keys[k]!;
  return `k:${JSON.stringify(sorted)}`;
}

export function valueElement(v: Json): PathElement {
  return `v:${canonicalJson(v)}`;
}

function canonicalJson(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k]!)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** A value as upstream's value.ToString prints it: strings quoted, numbers and booleans bare. */
function valueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${k}=${valueString(v[k])}`)
      .join(',')}}`;
  return String(v);
}

/** A path as upstream prints it in conflicts: `.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  let out = '';
  for (const e of path) {
    const body = e.slice(2);
    switch (e[0]) {
      case 'f':
        out += `.${body}`;
        break;
      case 'k': {
        const keys = JSON.parse(body) as Record<string, unknown>;
        out += `[${Object.keys(keys)
          .sort()
          .map((k) => `${k}=${valueString(keys[k])}`)
          .join(',')}]`;
        break;
      }
      case 'v':
        out += `[=${valueString(JSON.parse(body))}]`;
        break;
      default:
        out += `[${body}]`;
    }
  }
  return out;
}
