/**
 * Sets of field paths, the unit of ownership in server-side apply (upstream's fieldpath.Set),
 * stored as the tree that FieldsV1 serializes. A path is a list of elements in FieldsV1 spelling:
 * `f:<field>` (a map entry or struct field), `k:<json object>` (an associative list item by its
 * keys, keys sorted), `v:<json>` (a set item by value), `i:<n>` (an index; decoded, never made).
 * A node is a member when the path to it is in the set; it may have member descendants as well.
 *
 * Sets are values: every operation returns a new set and never changes its inputs (subsets share
 * nodes with the set they come from). Every node has a member at or below it (empty branches are
 * pruned), so emptiness and "anything below" are O(1).
 */
import { isObject, type Json } from './types.js';

export type PathElement = string;
export type Path = readonly PathElement[];

class Node {
  member = false;
  readonly children = new Map<PathElement, Node>();
}

export class FieldSet {
  /** Internal: `root` must be pruned and never changed afterwards; its own member flag is ignored. */
  constructor(private readonly root: Node) {}

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
      if (node !== this.root && node.member && node.children.size) out['.'] = {};
      for (const k of [...node.children.keys()].sort(compareElements)) out[k] = enc(node.children.get(k)!);
      return out;
    };
    return enc(this.root);
  }

  isEmpty(): boolean {
    return this.root.children.size === 0;
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
    return new FieldSet(this.root.children.get(element) ?? EMPTY);
  }

  /** Whether `element` is itself a member at the root. */
  hasChild(element: PathElement): boolean {
    return this.root.children.get(element)?.member ?? false;
  }

  /** Only the subtree at root element `element` (the element itself included). */
  only(element: PathElement): FieldSet {
    const n = this.root.children.get(element);
    if (!n) return FieldSet.empty();
    if (this.root.children.size === 1) return this;
    const root = new Node();
    root.children.set(element, n);
    return new FieldSet(root);
  }

  /** Everything but the subtree at root element `element`. */
  without(element: PathElement): FieldSet {
    if (!this.root.children.has(element)) return this;
    const root = new Node();
    for (const [k, c] of this.root.children) if (k !== element) root.children.set(k, c);
    return new FieldSet(root);
  }

  insert(path: Path): FieldSet {
    const root = cloneNode(this.root, true);
    insertInto(root, path);
    return new FieldSet(root);
  }

  union(other: FieldSet): FieldSet {
    // Subtrees only one side has are shared, not copied (nodes never change once built).
    const u = (a: Node, b: Node): Node => {
      if (a === b) return a;
      const n = new Node();
      n.member = a.member || b.member;
      for (const [k, c] of a.children) {
        const bc = b.children.get(k);
        n.children.set(k, bc ? u(c, bc) : c);
      }
      for (const [k, c] of b.children) if (!a.children.has(k)) n.children.set(k, c);
      return n;
    };
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    return new FieldSet(u(this.root, other.root));
  }

  difference(other: FieldSet): FieldSet {
    // Undefined when nothing is left below (and the node is no member).
    const d = (a: Node, b: Node): Node | undefined => {
      if (a === b) return undefined;
      const n = new Node();
      n.member = a.member && !b.member;
      for (const [k, c] of a.children) {
        const bc = b.children.get(k);
        const r = bc ? d(c, bc) : c;
        if (r) n.children.set(k, r);
      }
      return n.member || n.children.size ? n : undefined;
    };
    if (this.isEmpty() || other.isEmpty()) return this;
    return new FieldSet(d(this.root, other.root) ?? new Node());
  }

  intersection(other: FieldSet): FieldSet {
    const i = (a: Node, b: Node): Node | undefined => {
      if (a === b) return a;
      const n = new Node();
      n.member = a.member && b.member;
      for (const [k, c] of a.children) {
        const bc = b.children.get(k);
        const r = bc ? i(c, bc) : undefined;
        if (r) n.children.set(k, r);
      }
      return n.member || n.children.size ? n : undefined;
    };
    if (this.isEmpty() || other.isEmpty()) return FieldSet.empty();
    return new FieldSet(i(this.root, other.root) ?? new Node());
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
    for (const [k, n] of this.root.children) fn(k, n.member, new FieldSet(n));
  }

  /**
   * Marks as members the named (declared) fields that have member descendants (upstream's
   * EnsureNamedFieldsAreMembers): `isNamed(path)` says whether the last element of `path` is a
   * struct field rather than a map entry or list item.
   */
  withNamedFieldsAsMembers<T>(root: T, step: (ctx: T, element: PathElement) => { named: boolean; ctx: T }): FieldSet {
    const walk = (n: Node, ctx: T): Node => {
      const out = new Node();
      out.member = n.member;
      for (const [k, c] of n.children) {
        const s = step(ctx, k);
        const cc = walk(c, s.ctx);
        if (c.children.size && s.named) cc.member = true;
        out.children.set(k, cc);
      }
      return out;
    };
    return new FieldSet(walk(this.root, root));
  }
}

const EMPTY = new Node();

/** A path under construction as a linked list (extending it is O(1)). */
export type PathLink = { readonly parent: PathLink; readonly element: PathElement } | undefined;

/** Collects member paths into a set. */
export class SetBuilder {
  private readonly root = new Node();
  private readonly scratch: PathElement[] = [];

  add(link: PathLink): void {
    const pes = this.scratch;
    pes.length = 0;
    for (let l = link; l; l = l.parent) pes.push(l.element);
    let n = this.root;
    for (let i = pes.length - 1; i >= 0; i--) {
      const e = pes[i]!;
      let c = n.children.get(e);
      if (!c) n.children.set(e, (c = new Node()));
      n = c;
    }
    if (pes.length) n.member = true;
  }

  build(): FieldSet {
    return new FieldSet(this.root);
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
