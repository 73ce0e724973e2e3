/**
 * Serves OpenAPI v3 as kube-apiserver does: `/openapi/v3` lists one document per group/version with a
 * content hash in its URL, and `/openapi/v3/<gv path>` returns that document. Documents are built
 * lazily, serialized once and cached; after a registry change (CRDs add and remove group/versions at
 * run time) only the group/versions whose ResourceDefs changed are rebuilt. The hash is the uppercase
 * hex SHA-512 of the serialized body, so it is stable while the served resources are, and clients
 * may cache `?hash=` URLs forever.
 *
 * `/openapi/v2` (`v2()`): kubectl 1.29+ validates (`create/apply -f`, fieldValidation probing) and
 * explains from v3 alone; kubectl 1.27 and 1.28 fetch /openapi/v2 as gnostic protobuf for those
 * commands and fail without it, so the v2 document is derived from the v3 ones.
 */
import { createHash } from 'node:crypto';
import type { ApiRegistry } from '../../api/registry.js';
import type { ResourceDef } from '../../api/types.js';
import { buildGroupVersionDocument, gvPath, type DocumentInfo } from './document.js';
import { encodeSwaggerProto, encodeSwaggerProtoAsync, swaggerFromV3, swaggerFromV3Async } from './v2.js';
import type { JsonObject } from './well-known.js';
import type { UpstreamDocs } from './upstream-docs.js';
import { loadUpstreamDocs, loadUpstreamDocsAsync } from './upstream-docs-loader.js';

export interface OpenApiDocument {
  /** Serialized JSON. */
  body: string;
  /** Uppercase hex SHA-512 of `body`: the `hash` query parameter and the ETag. */
  hash: string;
}

export interface OpenApiV2Document {
  json: string;
  protobuf: Uint8Array;
  /** Uppercase hex SHA-512 of `json`. */
  hash: string;
}

export interface OpenApiIndex {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface OpenApiV3Options {
  /** `info.title` (default `Kubernetes`). */
  title?: string;
  /** `info.version`, the server's gitVersion (default `unversioned`). */
  version?: string;
  /**
   * Upstream's descriptions for built-in definitions (default: read from the installed
   * kubernetes-models packages on the first document build, once per process).
   */
  docs?: UpstreamDocs;
}

export class OpenApiV3Service {
  /** Built documents with the ResourceDef objects they were built from (reused while those are unchanged). */
  private readonly docs = new Map<string, { defs: readonly ResourceDef[]; doc: OpenApiDocument; object: JsonObject }>();
  private cachedV2: OpenApiV2Document | undefined;
  private cachedIndex: OpenApiIndex | undefined;
  private readonly info: DocumentInfo;
  private readonly unsubscribe: () => void;
  private upstream: UpstreamDocs | undefined;
  private warmTimer: NodeJS.Timeout | undefined;
  /** Bumped by invalidate(): a v2 built across turns is kept only if no change came meanwhile. */
  private generation = 0;

  constructor(
    private readonly registry: ApiRegistry,
    opts: OpenApiV3Options = {},
  ) {
    this.info = { title: opts.title ?? 'Kubernetes', version: opts.version ?? 'unversioned' };
    this.upstream = opts.docs;
    this.unsubscribe = registry.onChange(() => this.invalidate());
  }

  /** The `/openapi/v3` body: every served group/version with its hashed URL, keys sorted. */
  index(): OpenApiIndex {
    if (this.cachedIndex) return this.cachedIndex;
    const keys: string[] = [];
    for (const group of this.registry.groups())
      for (const version of this.registry.versions(group))
        if (this.registry.resources(group, version).length) keys.push(gvPath(group, version));
    const paths: OpenApiIndex['paths'] = {};
    for (const key of keys.sort()) {
      const doc = this.document(key)!;
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${doc.hash}` };
    }
    this.cachedIndex = { paths };
    return this.cachedIndex;
  }

  /**
   * The document for `api/v1` or `apis/<group>/<version>` (leading/trailing slashes ignored), or
   * undefined if that group/version serves nothing. A document is rebuilt only when the
   * ResourceDef objects of its group/version changed.
   */
  document(path: string): OpenApiDocument | undefined {
    const key = path.replace(/^\/+|\/+$/g, '');
    const gv = parseGvPath(key);
    if (!gv) return undefined;
    const defs = this.registry.resources(gv.group, gv.version);
    if (!defs.length) {
      this.docs.delete(key);
      return undefined;
    }
    const cached = this.docs.get(key);
    if (cached && sameDefs(cached.defs, defs)) return cached.doc;
    this.upstream ??= loadUpstreamDocs().docs;
    const object = buildGroupVersionDocument(gv.group, gv.version, defs, this.info, this.upstream);
    const body = JSON.stringify(object);
    const doc = { body, hash: sha512(body) };
    this.docs.set(key, { defs, doc, object });
    return doc;
  }

  /**
   * Builds every document ahead of the first client, one group/version per event-loop turn (and
   * the upstream descriptions read asynchronously), so the first `kubectl explain` or `apply`
   * after start does not hold the server's thread for the whole build (the merged v2 likewise, 50
   * paths or definitions per turn). Safe to call again (after
   * registry changes only changed documents are rebuilt); never rejects.
   */
  async warm(): Promise<void> {
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    try {
      this.upstream ??= (await loadUpstreamDocsAsync()).docs;
      const keys: string[] = [];
      for (const group of this.registry.groups())
        for (const version of this.registry.versions(group)) if (this.registry.resources(group, version).length) keys.push(gvPath(group, version));
      for (const key of keys) {
        await turn();
        this.document(key);
      }
      await turn();
      this.index();
      await this.v2Async(turn); // kubectl 1.27/1.28 ask for it first
    } catch {
      // A document that cannot be built fails again, with its error, when a client asks for it.
    }
  }

  /**
   * warm() after `delayMs` (a server calls this once it is ready: short-lived servers in tests
   * never pay for it). The timer does not keep the process alive; close() cancels it.
   */
  warmSoon(delayMs: number): void {
    if (this.warmTimer) return;
    this.warmTimer = setTimeout(() => void this.warm(), delayMs);
    this.warmTimer.unref();
  }

  /** Forgets the index (called on registry changes); documents revalidate against the registry lazily. */
  invalidate(): void {
    this.generation++;
    this.cachedIndex = undefined;
    this.cachedV2 = undefined;
  }

  /**
   * The merged Swagger 2.0 document for `/openapi/v2`: `protobuf` (gnostic openapi.v2.Document, what
   * kubectl 1.27/1.28 request with `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`,
   * to be answered with Content-Type OPENAPI_V2_PROTOBUF_CONTENT_TYPE) and `json` (for `application/json`). Cached like the v3
   * documents; `hash` (of the JSON form) serves as ETag.
   */
  v2(): OpenApiV2Document {
    if (this.cachedV2) return this.cachedV2;
    const objects: JsonObject[] = [];
    for (const key of Object.keys(this.index().paths)) {
      this.document(key);
      const entry = this.docs.get(key);
      if (entry) objects.push(entry.object);
    }
    const swagger = swaggerFromV3(objects, this.info);
    const json = JSON.stringify(swagger);
    this.cachedV2 = { json, protobuf: encodeSwaggerProto(swagger), hash: sha512(json) };
    return this.cachedV2;
  }

  /** v2() built in slices, awaiting `turn` between them; the result is cached as v2()'s. */
  private async v2Async(turn: () => Promise<void>): Promise<OpenApiV2Document> {
    if (this.cachedV2) return this.cachedV2;
    const generation = this.generation;
    const objects: JsonObject[] = [];
    const keys = Object.keys(this.index().paths);
    for (const key of keys) {
      this.document(key);
      const entry = this.docs.get(key);
      if (entry) objects.push(entry.object);
    }
    const swagger = await swaggerFromV3Async(objects, this.info, turn);
    const json = JSON.stringify(swagger);
    const protobuf = await encodeSwaggerProtoAsync(swagger, turn);
    // A registry change meanwhile: this result may be stale, do not keep it.
    if (generation !== this.generation) return { json, protobuf, hash: sha512(json) };
    this.cachedV2 ??= { json, protobuf, hash: sha512(json) };
    return this.cachedV2;
  }

  /** Stops listening to the registry and cancels a pending warmSoon(). */
  close(): void {
    if (this.warmTimer) clearTimeout(this.warmTimer);
    this.unsubscribe();
  }
}

function sha512(text: string): string {
  return createHash('sha512').update(text).digest('hex').toUpperCase();
}

function sameDefs(a: readonly ResourceDef[], b: readonly ResourceDef[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((d) => set.has(d));
}

function parseGvPath(key: string): { group: string; version: string } | undefined {
  const parts = key.split('/');
  if (parts.length === 2 && parts[0] === 'api') return { group: '', version: parts[1]! };
  if (parts.length === 3 && parts[0] === 'apis') return { group: parts[1]!, version: parts[2]! };
  return undefined;
}
