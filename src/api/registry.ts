/**
 * The set of served resources. Built by the composition root from each group's `resources` list
 * (and, later, from CRDs at run time). Lookups are by group/version/plural, by kind and by short name.
 */
import type { ResourceDef } from './types.js';

export interface GroupVersion {
  group: string;
  version: string;
}

export class ApiRegistry {
  private readonly byGVR = new Map<string, ResourceDef>();
  private readonly byGVK = new Map<string, ResourceDef>();
  private readonly groupOrder: string[] = [];
  private readonly versionsByGroup = new Map<string, string[]>();
  private readonly listeners = new Set<() => void>();

  constructor(defs: Iterable<ResourceDef> = []) {
    for (const d of defs) this.add(d);
  }

  /** Adds or replaces a resource. Versions of a group keep the order they were first added in (preferred first). */
  add(def: ResourceDef): void {
    this.byGVR.set(gvrKey(def.group, def.version, def.plural), def);
    this.byGVK.set(gvkKey(def.group, def.version, def.kind), def);
    if (!this.versionsByGroup.has(def.group)) {
      this.versionsByGroup.set(def.group, []);
      this.groupOrder.push(def.group);
    }
    const versions = this.versionsByGroup.get(def.group)!;
    if (!versions.includes(def.version)) versions.push(def.version);
    this.changed();
  }

  remove(group: string, version: string, plural: string): void {
    const def = this.byGVR.get(gvrKey(group, version, plural));
    if (!def) return;
    this.byGVR.delete(gvrKey(group, version, plural));
    this.byGVK.delete(gvkKey(group, version, def.kind));
    if (!this.resources(group, version).length) {
      const versions = this.versionsByGroup.get(group)!.filter((v) => v !== version);
      if (versions.length) this.versionsByGroup.set(group, versions);
      else {
        this.versionsByGroup.delete(group);
        this.groupOrder.splice(this.groupOrder.indexOf(group), 1);
      }
    }
    this.changed();
  }

  get(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byGVR.get(gvrKey(group, version, plural));
  }

  byKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byGVK.get(gvkKey(group, version, kind));
  }

  /** Groups in registration order; the core group is ''. */
  groups(): string[] {
    return [...this.groupOrder];
  }

  /** Versions of a group, preferred first. */
  versions(group: string): string[] {
    return [...(this.versionsByGroup.get(group) ?? [])];
  }

  resources(group: string, version: string): ResourceDef[] {
    return [...this.byGVR.values()].filter((d) => d.group === group && d.version === version);
  }

  all(): ResourceDef[] {
    return [...this.byGVR.values()];
  }

  /** Called after every add/remove (discovery and OpenAPI caches listen). Returns an unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

function gvrKey(g: string, v: string, r: string): string {
  return `${g}/${v}/${r}`;
}

function gvkKey(g: string, v: string, k: string): string {
  return `${g}/${v}/${k}`;
}
