/**
 * A minimal OCI distribution registry for tests: plain HTTP on 127.0.0.1 (a free port), serving
 * images taken from our own OCI archives (src/agent/images; `ensureBuiltinImages()` builds them),
 * optionally behind Basic auth. Enough of the distribution API for containerd's resolver and
 * fetcher (https://github.com/opencontainers/distribution-spec/blob/main/spec.md):
 *
 * - `GET|HEAD /v2/` → 200 `{}` with `Docker-Distribution-API-Version: registry/2.0`;
 * - `GET|HEAD /v2/<name>/manifests/<tag|digest>` → the manifest with its media type as
 *   Content-Type, `Docker-Content-Digest` and Content-Length; unknown → 404
 *   `{"errors":[{"code":"MANIFEST_UNKNOWN",...}]}` (NAME_UNKNOWN for an unknown repository);
 * - `GET|HEAD /v2/<name>/blobs/<digest>` → the blob; unknown → 404 BLOB_UNKNOWN;
 * - with `auth`, every request without the right `Authorization: Basic` gets 401 with
 *   `WWW-Authenticate: Basic realm="flotilla-test-registry"` and an UNAUTHORIZED error body;
 * - anything else → 404 / 405 with the registry's JSON error shape. Query strings (containerd
 *   adds `?ns=<registry>` when it goes through a mirror) are ignored.
 *
 * Every request is recorded (method, path, status, whether it was authorized) so tests can count
 * what the node asked for. Nothing listens beyond 127.0.0.1; stop() closes every connection.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extract as tarExtract } from 'tar-stream';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const REGISTRY_REALM = 'flotilla-test-registry';

/** An image to serve: `ref` is `<repository>:<tag>` as the registry sees it (no registry host). */
export interface ServedImage {
  ref: string;
  /** OCI archive file and the full image name inside it (its `io.containerd.image.name`). */
  from: { archive: string; name: string };
  /**
   * Environment variables to set in the image config (`NAME` → value, replacing the archive's):
   * a different config and manifest digest than the archive's image, layers shared.
   */
  env?: Record<string, string>;
}

export interface StartTestRegistryOptions {
  auth?: { username: string; password: string };
  images?: ServedImage[];
}

export interface RegistryRequest {
  method: string;
  /** Without the query string. */
  path: string;
  status: number;
  authorized: boolean;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry host as containerd names it (hosts.toml, configs keys). */
  host: string;
  /** `http://127.0.0.1:<port>`: a mirror endpoint. */
  url: string;
  port: number;
  /** Every request so far, oldest first. */
  requests: RegistryRequest[];
  /** Requests about one repository (its manifests and blobs). */
  requestsFor(repository: string): RegistryRequest[];
  /** The manifest digest served for `<repository>:<tag>`. */
  manifestDigest(ref: string): string;
  /** Serves one more image; resolves with its manifest digest. */
  addImage(image: ServedImage): Promise<string>;
  stop(): Promise<void>;
}

interface OciArchiveContents {
  index: { manifests: { digest: string; annotations?: Record<string, string> }[] };
  blobs: Map<string, Buffer>;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Reads an OCI layout tar: index.json and every blob (keyed `sha256:<hex>`). */
export async function readOciArchive(path: string): Promise<OciArchiveContents> {
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const ex = tarExtract();
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name.replace(/^\.\//, ''), Buffer.concat(chunks));
        next();
      });
      stream.on('error', reject);
    });
    ex.on('finish', () => resolve());
    ex.on('error', reject);
    const input = createReadStream(path);
    input.on('error', reject);
    input.pipe(ex);
  });
  const indexText = files.get('index.json');
  if (!indexText) throw new Error(`${path}: no index.json (not an OCI image layout archive)`);
  const blobs = new Map<string, Buffer>();
  for (const [name, data] of files) {
    const m = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
    if (m) blobs.set(`sha256:${m[1]}`, data);
  }
  return { index: JSON.parse(indexText.toString('utf8')) as OciArchiveContents['index'], blobs };
}

function splitRef(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  if (colon <= 0 || ref.lastIndexOf('/') > colon) throw new Error(`"${ref}": want <repository>:<tag>`);
  return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

export async function startTestRegistry(opts: StartTestRegistryOptions = {}): Promise<TestRegistry> {
  const archives = new Map<string, Promise<OciArchiveContents>>();
  /** repository → tag → manifest digest */
  const tags = new Map<string, Map<string, string>>();
  /** repository → digests (manifests and blobs) it may serve */
  const repoBlobs = new Map<string, Set<string>>();
  const blobs = new Map<string, { data: Buffer; mediaType?: string }>();
  const requests: RegistryRequest[] = [];
  const expectedAuth = opts.auth ? `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}` : undefined;

  const addImage = async (image: ServedImage): Promise<string> => {
    const { repository, tag } = splitRef(image.ref);
    let p = archives.get(image.from.archive);
    if (!p) archives.set(image.from.archive, (p = readOciArchive(image.from.archive)));
    const archive = await p;
    const entry = archive.index.manifests.find((m) => m.annotations?.['io.containerd.image.name'] === image.from.name);
    if (!entry) throw new Error(`${image.from.archive} has no image named ${image.from.name}`);
    const manifestData = archive.blobs.get(entry.digest);
    if (!manifestData) throw new Error(`${image.from.archive}: manifest ${entry.digest} missing`);
    const manifest = JSON.parse(manifestData.toString('utf8')) as { mediaType?: string; config: { digest: string; size: number }; layers: { digest: string }[] };
    let config = archive.blobs.get(manifest.config.digest);
    if (!config) throw new Error(`${image.from.archive}: config ${manifest.config.digest} missing`);
    let manifestOut = manifestData;
    if (image.env && Object.keys(image.env).length) {
      const cfg = JSON.parse(config.toString('utf8')) as { config?: { Env?: string[] } };
      cfg.config ??= {};
      const env = (cfg.config.Env ?? []).filter((e) => !(e.split('=')[0]! in image.env!));
      for (const [k, v] of Object.entries(image.env)) env.push(`${k}=${v}`);
      cfg.config.Env = env;
      config = Buffer.from(JSON.stringify(cfg));
      manifest.config = { ...manifest.config, digest: sha256(config), size: config.length };
      manifestOut = Buffer.from(JSON.stringify(manifest));
    }
    const digest = sha256(manifestOut);
    const owned = repoBlobs.get(repository) ?? new Set<string>();
    repoBlobs.set(repository, owned);
    blobs.set(digest, { data: manifestOut, mediaType: manifest.mediaType ?? OCI_MANIFEST });
    blobs.set(manifest.config.digest, { data: config });
    owned.add(digest);
    owned.add(manifest.config.digest);
    for (const l of manifest.layers) {
      const data = archive.blobs.get(l.digest);
      if (!data) throw new Error(`${image.from.archive}: layer ${l.digest} missing`);
      blobs.set(l.digest, { data });
      owned.add(l.digest);
    }
    const t = tags.get(repository) ?? new Map<string, string>();
    tags.set(repository, t);
    t.set(tag, digest);
    return digest;
  };

  const sendError = (res: ServerResponse, head: boolean, status: number, code: string, message: string, detail: unknown = null): void => {
    const body = Buffer.from(JSON.stringify({ errors: [{ code, message, detail }] }));
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Docker-Distribution-API-Version': 'registry/2.0' });
    res.end(head ? undefined : body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    const authorized = expectedAuth === undefined || req.headers.authorization === expectedAuth;
    res.on('finish', () => requests.push({ method, path, status: res.statusCode, authorized }));
    req.resume();
    const head = method === 'HEAD';
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(res, false, 405, 'UNSUPPORTED', 'the operation is unsupported');
      return;
    }
    if (!authorized) {
      res.setHeader('WWW-Authenticate', `Basic realm="${REGISTRY_REALM}"`);
      sendError(res, head, 401, 'UNAUTHORIZED', 'authentication required');
      return;
    }
    if (path === '/v2/' || path === '/v2') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': 2, 'Docker-Distribution-API-Version': 'registry/2.0' });
      res.end(head ? undefined : '{}');
      return;
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    if (!m) {
      sendError(res, head, 404, 'NOT_FOUND', 'not found');
      return;
    }
    const [, repository, kind, reference] = m as unknown as [string, string, 'manifests' | 'blobs', string];
    const repoTags = tags.get(repository);
    if (!repoTags) {
      sendError(res, head, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name: repository });
      return;
    }
    let digest: string | undefined;
    if (kind === 'manifests') {
      digest = reference.startsWith('sha256:') ? reference : repoTags.get(reference);
      if (!digest || !repoBlobs.get(repository)?.has(digest) || !blobs.get(digest)?.mediaType) {
        sendError(res, head, 404, 'MANIFEST_UNKNOWN', 'manifest unknown', reference.startsWith('sha256:') ? { Digest: reference } : { Tag: reference });
        return;
      }
    } else {
      digest = reference;
      if (!repoBlobs.get(repository)?.has(digest)) {
        sendError(res, head, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', { Digest: reference });
        return;
      }
    }
    const blob = blobs.get(digest)!;
    res.writeHead(200, {
      'Content-Type': kind === 'manifests' ? blob.mediaType! : 'application/octet-stream',
      'Content-Length': blob.data.length,
      'Docker-Content-Digest': digest,
      'Docker-Distribution-API-Version': 'registry/2.0',
      ETag: `"${digest}"`,
    });
    res.end(head ? undefined : blob.data);
  };

  for (const image of opts.images ?? []) await addImage(image);
  const server: Server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    requestsFor: (repository) => requests.filter((r) => r.path.startsWith(`/v2/${repository}/manifests/`) || r.path.startsWith(`/v2/${repository}/blobs/`)),
    manifestDigest: (ref) => {
      const { repository, tag } = splitRef(ref);
      const d = tags.get(repository)?.get(tag);
      if (!d) throw new Error(`the registry serves no ${ref}`);
      return d;
    },
    addImage,
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
