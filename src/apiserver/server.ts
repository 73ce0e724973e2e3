import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Backend } from '../storage/backend.js';
import type { ApiRegistry } from '../api/registry.js';
import type { ResourceDef, UserInfo } from '../api/types.js';
import type { Logger } from '../lib/log.js';
import { ApiError, badRequest, forbidden, methodNotSupported, notFound } from '../lib/errors.js';
import type { Authenticator } from './authn/authenticator.js';
import { versionInfo } from './version.js';
import { parseRequestInfo, type ResourceRequestInfo } from './request-info.js';
import { sendError, sendObject, sendText } from './http-util.js';
import { toApiError } from './status.js';
import { chooseDiscovery } from './negotiation.js';
import { aggregatedContentType, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery.js';
import { KeyLocks, ResourceStore } from './registry/store.js';
import { createWritePipeline } from './registry/write-pipeline.js';
import { WatchCache } from './watch-cache.js';
import {
  handleCreate,
  handleDelete,
  handleDeleteCollection,
  handleGet,
  handleGetScale,
  handleList,
  handlePatch,
  handleUpdate,
  type ResourceRequest,
} from './handlers/resource.js';
import { handleWatch } from './handlers/watch.js';
import { handleBinding } from './handlers/binding.js';
import { handleNodeProxy } from './handlers/node-proxy.js';
import { handleTokenRequest, type ServiceAccountTokenOptions } from './handlers/token-request.js';
import { handlePodLog, handlePodUpgrade, type KubeletClientConfig } from './handlers/pod-stream.js';
import { writeRawResponse } from '../agent/streaming/upgrade-proxy.js';
import { statusFromError } from './status.js';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { OpenApiV3Service, OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './openapi/index.js';
import { createNamespaceLifecycle, isImmortalNamespace, type NamespaceLifecycle } from './namespaces.js';
import { auditTime, type AuditSink } from './audit.js';
import type { RequestInfo } from './request-info.js';
import { AdmissionChain, type AdmissionPlugin } from './admission/types.js';
import { GarbageCollector } from '../controllers/garbage-collector/controller.js';
import { createCrdController, type CrdController } from './crd/index.js';
import { createGcAccess } from './in-process.js';
import { authorizeRequest, bearerRequest, createAuthorization, createEscalationCheck, handleReview, isReviewResource, resolveUser, type AuthorizationOptions } from './authz/index.js';
import { CachedLister } from './cached-lister.js';
import { ServiceAllocator, reconcileKubernetesService, releaseEndpointLease, serviceWriteHooks, type ApiEndpoint, type PortRangeSpec } from './registry/service-alloc/index.js';
import type { V1Service } from '../api/core/v1/service.js';

export interface ApiServerOptions {
  backend: Backend;
  registry: ApiRegistry;
  /** Tried in order; the first that returns a user wins. */
  authenticators: Authenticator[];
  logger: Logger;
  /** Injected clock (tests); default `() => new Date()`. */
  clock?: () => Date;
  /** Watch window (default 10 minutes). */
  watchWindowMs?: number;
  /** Bookmark period for watches (default 60 s). */
  bookmarkIntervalMs?: number;
  /**
   * --min-request-timeout (seconds, default 1800): a watch without timeoutSeconds ends after a
   * random time between this and twice this, as upstream spreads reconnections; 0: never.
   */
  minRequestTimeoutSeconds?: number;
  /** Authorization modes (--authorization-mode; see authz/); without it every request is allowed. */
  authorization?: AuthorizationOptions;
  /** --anonymous-auth: requests without credentials act as system:anonymous (default off: 401). */
  anonymous?: boolean;
  /** Where audit events go (Metadata level, every request but health checks). */
  audit?: AuditSink;
  /** Admission plugins, in order (see admission/types.ts). */
  admission?: AdmissionPlugin[];
  /** How pods/log (and later exec/attach/portforward) reach node agents (client cert, CA). */
  kubeletClient?: KubeletClientConfig;
  /** Enables POST serviceaccounts/{name}/token (TokenRequest); without it that path is 404. */
  serviceAccountTokens?: ServiceAccountTokenOptions;
  /**
   * Service networking: cluster IPs from these CIDRs and NodePorts are allocated on writes, and
   * the `kubernetes` Service is maintained (see registry/service-alloc). Without it Services are
   * stored as sent (tests of other machinery).
   */
  services?: ServiceNetworkOptions;
}

export interface ServiceNetworkOptions {
  /** One per IP family, the first is the default family (--service-cluster-ip-range). */
  serviceCidrs: string[];
  /** --service-node-port-range (default 30000-32767). */
  nodePortRange?: PortRangeSpec;
  /** The kubernetes Service's targetPort until publishEndpoint() tells the real one (default 6443). */
  securePort?: number;
  /** How often the `kubernetes` Service, Endpoints and EndpointSlice are checked (default 10 s). */
  reconcileIntervalMs?: number;
  random?: () => number;
}

/** What one request learned about itself, for the audit log. */
interface RequestRecord {
  user?: UserInfo;
  info?: RequestInfo;
}

export interface ApiServer {
  /** Node request listener (mount on an https.Server). Never throws. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Upgrade listener (mount on the server's 'upgrade' event): pods/exec, attach, portforward. Never throws. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Bootstraps (watch cache, default namespaces); resolves when /readyz would say ok. */
  start(): Promise<void>;
  /** Stops watches and background loops; does not close the backend (its owner does). */
  close(): Promise<void>;
  /** The store serving a resource (in-process clients and controllers use the same path). */
  storeFor(def: ResourceDef): ResourceStore;
  /** An always-current in-memory copy of a resource, for admission plugins (see CachedLister). */
  listerFor(def: ResourceDef): CachedLister;
  /**
   * Where clients reach this server (advertise address, real secure port): written into the
   * `kubernetes` Endpoints and EndpointSlice. A no-op without `services`.
   */
  publishEndpoint(endpoint: ApiEndpoint): Promise<void>;
}

/** Paths anyone may read, as upstream's system:public-info-viewer allows. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const { backend, registry, logger } = opts;
  const log = logger.child('apiserver');
  const now = opts.clock ?? (() => new Date());
  const platform = `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const pipeline = createWritePipeline();
  // RBAC's escalation check runs after the configured plugins (it needs the authorizer, created below).
  const admission = new AdmissionChain([...(opts.admission ?? []), createEscalationCheck(() => authz)]);
  const cache = new WatchCache(backend, { logger: log, windowMs: opts.watchWindowMs });
  const openapi = new OpenApiV3Service(registry, { version: versionInfo(platform).gitVersion });
  const stores = new Map<ResourceDef, ResourceStore>();
  const listers = new Map<ResourceDef, CachedLister>();
  const keyLocks = new KeyLocks();
  let namespaces: NamespaceLifecycle | undefined;
  let gc: GarbageCollector | undefined;
  let crds: CrdController | undefined;
  const svcOpts = opts.services;
  const serviceAlloc = svcOpts
    ? new ServiceAllocator({ serviceCidrs: svcOpts.serviceCidrs, nodePortRange: svcOpts.nodePortRange, random: svcOpts.random })
    : undefined;
  const serviceHooks = serviceAlloc && serviceWriteHooks(serviceAlloc);
  let apiEndpoint: ApiEndpoint | undefined;
  let kubernetesServiceTimer: ReturnType<typeof setInterval> | undefined;
  let ready = false;
  let closed = false;

  const storeFor = (def: ResourceDef): ResourceStore => {
    let s = stores.get(def);
    if (!s) {
      let storageDef = def;
      if (def.conversion) {
        const [g, v] = def.conversion.storageVersion.includes('/') ? def.conversion.storageVersion.split('/') : ['', def.conversion.storageVersion];
        storageDef = registry.byKind(g!, v!, def.kind) ?? def;
      }
      s = new ResourceStore(def, storageDef, {
        backend,
        pipeline,
        now,
        uid: randomUUID,
        random: Math.random,
        namespaceAdmits: (ns, gr, name) => namespaces!.admits(ns, gr, name),
        admission,
        keyLocks,
        ...(serviceHooks && def.group === '' && def.plural === 'services' ? { hooks: serviceHooks } : {}),
      });
      stores.set(def, s);
    }
    return s;
  };
  const listerFor = (def: ResourceDef): CachedLister => {
    let l = listers.get(def);
    if (!l) listers.set(def, (l = new CachedLister(storeFor(def), cache, backend)));
    return l;
  };
  const authz = createAuthorization(opts.authorization ?? { modes: ['AlwaysAllow'] }, { registry, storeFor, cache, backend, logger: log, now });
  registry.onChange(() => {
    for (const def of [...stores.keys()]) if (registry.get(def.group, def.version, def.plural) !== def) stores.delete(def);
    for (const [def, l] of [...listers]) {
      if (registry.get(def.group, def.version, def.plural) === def) continue;
      l.close();
      listers.delete(def);
    }
  });

  const authenticate = async (req: IncomingMessage): Promise<UserInfo | undefined> => {
    for (const a of opts.authenticators) {
      const u = await a.authenticate(req);
      if (u) return u;
    }
    return undefined;
  };

  const userOpts = { anonymous: opts.anonymous === true, authz };
  const reviewDeps = { authorization: authz, authenticateToken: (t: string) => authenticate(bearerRequest(t)) };

  const handleNonResource = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean => {
    const accept = req.headers['accept'];
    if (path === '/version' || path === '/version/') {
      sendObject(res, 200, versionInfo(platform));
      return true;
    }
    if (path === '/healthz' || path === '/livez' || path === '/readyz') {
      if (ready) sendText(res, 200, 'ok');
      else sendText(res, 500, `[-]${path.slice(1)} failed: not ready\n${path.slice(1)} check failed`);
      return true;
    }
    if (path === '/api' || path === '/api/') {
      const d = chooseDiscovery(accept);
      if (d === 'legacy') sendObject(res, 200, apiVersions());
      else sendObject(res, 200, aggregatedDiscovery(registry, true, d), { contentType: aggregatedContentType(d) });
      return true;
    }
    if (path === '/apis' || path === '/apis/') {
      const d = chooseDiscovery(accept);
      if (d === 'legacy') sendObject(res, 200, apiGroupList(registry));
      else sendObject(res, 200, aggregatedDiscovery(registry, false, d), { contentType: aggregatedContentType(d) });
      return true;
    }
    const segs = path.split('/').filter(Boolean);
    if (segs[0] === 'api' && segs.length === 2) {
      const list = apiResourceList(registry, '', segs[1]!);
      if (!list) return false;
      sendObject(res, 200, list);
      return true;
    }
    if (segs[0] === 'apis' && segs.length === 2) {
      const g = apiGroup(registry, segs[1]!);
      if (!g) return false;
      sendObject(res, 200, g);
      return true;
    }
    if (segs[0] === 'apis' && segs.length === 3) {
      const list = apiResourceList(registry, segs[1]!, segs[2]!);
      if (!list) return false;
      sendObject(res, 200, list);
      return true;
    }
    if (path === '/openapi/v3' || path === '/openapi/v3/') {
      sendObject(res, 200, openapi.index());
      return true;
    }
    if (path === '/openapi/v2' || path === '/openapi/v2/' || path === '/swagger.json') {
      // kubectl 1.27/1.28 fetch this (as gnostic protobuf) before create/apply -f.
      const v2 = openapi.v2();
      const etag = `"${v2.hash}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ETag: etag });
        res.end();
        return true;
      }
      const wantsProto = /protobuf/.test(String(accept ?? ''));
      const body = wantsProto ? Buffer.from(v2.protobuf) : Buffer.from(v2.json);
      res.writeHead(200, {
        'Content-Type': wantsProto ? OPENAPI_V2_PROTOBUF_CONTENT_TYPE : 'application/json',
        'Content-Length': body.length,
        ETag: etag,
        'Cache-Control': 'no-cache, private',
      });
      res.end(body);
      return true;
    }
    if (segs[0] === 'openapi' && segs[1] === 'v3' && segs.length > 2) {
      const doc = openapi.document(segs.slice(2).join('/'));
      if (!doc) return false;
      const etag = `"${doc.hash}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { ETag: etag });
        res.end();
        return true;
      }
      const immutable = query.get('hash') === doc.hash;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(doc.body),
        ETag: etag,
        'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
      });
      res.end(doc.body);
      return true;
    }
    return false;
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const path = url.pathname;
    const query = url.searchParams;
    if (PUBLIC_PATHS.has(path)) {
      handleNonResource(req, res, path, query);
      return;
    }
    const user = await resolveUser(req, await authenticate(req), userOpts);
    record.user = user;
    const info = parseRequestInfo(req.method ?? 'GET', path, query);
    record.info = info;
    await authorizeRequest(authz, user, info);
    if (!info.isResourceRequest) {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw notFoundPath();
      if (!handleNonResource(req, res, path, query)) throw notFoundPath();
      return;
    }
    const def = registry.get(info.group, info.version, info.resource);
    if (!def) throw notFoundPath();
    checkScope(def, info);
    if (def.group === '' && def.plural === 'namespaces') info.namespace = '';
    const r: ResourceRequest = { req, res, info, query, def, store: storeFor(def), user };
    await route(r, info);
  };

  const route = async (r: ResourceRequest, info: ResourceRequestInfo): Promise<void> => {
    const env = { now };
    const ts = r.query.get('timeoutSeconds');
    if (ts !== null && !/^\d+$/.test(ts)) throw badRequest(`timeoutSeconds: Invalid value: ${JSON.stringify(ts)}: must be a non-negative integer`);
    if (info.verb === 'delete' && isImmortalNamespace(r.def, info.name))
      throw forbidden({ group: '', resource: 'namespaces' }, info.name, 'this namespace may not be deleted');
    const sub = info.subresource;
    const gr = { group: r.def.group, resource: sub ? `${r.def.plural}/${sub}` : r.def.plural };
    const isPods = r.def.group === '' && r.def.plural === 'pods';
    if ((isPods && sub === 'binding') || (r.def.group === '' && r.def.plural === 'bindings')) {
      if (info.verb !== 'create') throw methodNotSupported(gr, info.verb);
      const pods = registry.get('', 'v1', 'pods');
      if (!pods) throw notFoundPath();
      return handleBinding(r, env, storeFor(pods));
    }
    if (isPods && sub === 'log') {
      if (info.verb !== 'get') throw methodNotSupported(gr, info.verb);
      const nodes = registry.get('', 'v1', 'nodes');
      if (!nodes) throw notFoundPath();
      return handlePodLog(r, { nodes: storeFor(nodes), kubelet: opts.kubeletClient });
    }
    if (r.def.group === '' && r.def.plural === 'nodes' && (sub === 'proxy' || sub.startsWith('proxy/'))) return handleNodeProxy(r, opts.kubeletClient);
    if (r.def.group === '' && r.def.plural === 'serviceaccounts' && sub === 'token') {
      if (!opts.serviceAccountTokens) throw notFoundPath();
      if (info.verb !== 'create') throw methodNotSupported(gr, info.verb);
      return handleTokenRequest(r, env, {
        options: opts.serviceAccountTokens,
        admission,
        store: (plural) => {
          const def = registry.get('', 'v1', plural);
          return def ? storeFor(def) : undefined;
        },
      });
    }
    if (isReviewResource(r.def.group, r.def.plural)) return handleReview(r, reviewDeps);
    if (sub) {
      const known = (sub === 'status' && r.def.subresources?.status) || (sub === 'scale' && r.def.subresources?.scale) || (sub === 'finalize' && r.def.plural === 'namespaces' && r.def.group === '');
      if (!known) throw notFoundPath();
      switch (info.verb) {
        case 'get':
          if (sub === 'scale') return handleGetScale(r, env);
          return handleGet(r, env);
        case 'update':
          return handleUpdate(r, env);
        case 'patch':
          return handlePatch(r, env);
        default:
          throw methodNotSupported(gr, info.verb);
      }
    }
    const verbs = r.def.verbs;
    if (verbs && !verbs.includes(info.verb as never)) throw methodNotSupported(gr, info.verb);
    switch (info.verb) {
      case 'get':
        return handleGet(r, env);
      case 'list':
        return handleList(r, env);
      case 'watch':
        return handleWatch(r, { now, cache, bookmarkIntervalMs: opts.bookmarkIntervalMs, defaultTimeoutMs: Math.round((opts.minRequestTimeoutSeconds ?? 1800) * 1000 * (1 + Math.random())) });
      case 'create':
        return handleCreate(r, env);
      case 'update':
        return handleUpdate(r, env);
      case 'patch':
        return handlePatch(r, env);
      case 'delete':
        return handleDelete(r, env);
      case 'deletecollection':
        return handleDeleteCollection(r, env);
      default:
        throw methodNotSupported(gr, info.verb);
    }
  };

  const upgradeDispatch = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const user = await resolveUser(req, await authenticate(req), userOpts);
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    await authorizeRequest(authz, user, info);
    const pods = registry.get('', 'v1', 'pods');
    const nodes = registry.get('', 'v1', 'nodes');
    if (!info.isResourceRequest || info.group !== '' || info.resource !== 'pods' || !info.namespace || !info.name || !pods || !nodes) throw notFoundPath();
    await handlePodUpgrade({ req, socket, head, info, query: url.searchParams, store: storeFor(pods) }, { nodes: storeFor(nodes), kubelet: opts.kubeletClient });
  };

  const kubernetesServicePass = async (): Promise<void> => {
    const services = registry.get('', 'v1', 'services');
    if (!serviceAlloc || !services) return;
    const endpoints = registry.get('', 'v1', 'endpoints');
    const slices = registry.get('discovery.k8s.io', 'v1', 'endpointslices');
    const leases = registry.get('coordination.k8s.io', 'v1', 'leases');
    const intervalMs = svcOpts?.reconcileIntervalMs ?? 10_000;
    await reconcileKubernetesService(
      {
        services: storeFor(services),
        ...(endpoints ? { endpoints: storeFor(endpoints) } : {}),
        ...(slices ? { endpointSlices: storeFor(slices) } : {}),
        ...(leases ? { leases: storeFor(leases) } : {}),
      },
      serviceAlloc.apiServiceIps(),
      apiEndpoint,
      // A server's address stays listed for three missed passes (at least 15 s).
      { now, defaultTargetPort: svcOpts?.securePort ?? 6443, leaseSeconds: Math.max(15, Math.ceil((3 * intervalMs) / 1000)) },
    );
  };
  const startServiceAllocation = async (): Promise<void> => {
    const services = registry.get('', 'v1', 'services');
    if (!serviceAlloc || !services) return;
    // Upstream's repair pass: the allocators start from what storage holds.
    const all = await storeFor(services).list({ namespace: '' });
    for (const p of serviceAlloc.rebuild(all.items as V1Service[])) log.warn('service allocation repair', { problem: p });
    // Services stored before allocation existed get their addresses and ports now (an update
    // that changes nothing else runs the allocation hooks).
    const store = storeFor(services);
    for (const svc of all.items as V1Service[]) {
      const spec = svc.spec ?? {};
      const lacksIp = spec.type !== 'ExternalName' && !(spec.clusterIPs ?? []).some(Boolean) && !spec.clusterIP;
      const lacksPorts = (spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false)) && (spec.ports ?? []).some((p) => !p.nodePort);
      if (!lacksIp && !lacksPorts) continue;
      const ctx = { now: now(), user: { username: 'system:apiserver', groups: ['system:masters'] }, subresource: '' };
      await store
        .guaranteedUpdate(svc.metadata.namespace ?? '', svc.metadata.name ?? '', undefined, { dryRun: false }, ctx, (cur) => cur)
        .then(() => log.info('allocated for a stored service', { service: `${svc.metadata.namespace}/${svc.metadata.name}` }))
        .catch((e: unknown) => log.warn('allocation for a stored service failed', { service: `${svc.metadata.namespace}/${svc.metadata.name}`, err: e instanceof Error ? e.message : String(e) }));
    }
    const usage = serviceAlloc.usage();
    log.v(1).info('service allocators rebuilt', { services: all.items.length, clusterIPs: Object.values(usage.ips).reduce((a, b) => a + b, 0), nodePorts: usage.nodePorts });
    // Not fatal: the periodic pass retries.
    await kubernetesServicePass().catch((e: unknown) => log.error('kubernetes service reconcile failed', { err: e instanceof Error ? e.message : String(e) }));
    kubernetesServiceTimer = setInterval(() => {
      kubernetesServicePass().catch((e: unknown) => log.error('kubernetes service reconcile failed', { err: e instanceof Error ? e.message : String(e) }));
    }, svcOpts?.reconcileIntervalMs ?? 10_000);
    kubernetesServiceTimer.unref();
  };

  return {
    storeFor,
    listerFor,
    async publishEndpoint(endpoint) {
      apiEndpoint = endpoint;
      if (ready) await kubernetesServicePass().catch((e: unknown) => log.error('kubernetes service reconcile failed', { err: e instanceof Error ? e.message : String(e) }));
    },
    handleUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      upgradeDispatch(req, socket, head).catch((e: unknown) => {
        const err = toApiError(e);
        if (err.code >= 500) log.error('upgrade request failed', { path: req.url, err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        writeRawResponse(socket, err.code, STATUS_CODES[err.code] ?? 'Error', 'application/json', JSON.stringify(statusFromError(err)));
      });
    },
    handle(req, res) {
      const started = Date.now();
      const record: RequestRecord = {};
      if (opts.audit) {
        const received = now();
        res.once('close', () => {
          if (!record.info) return; // health checks and unauthenticated probes are not audited
          opts.audit!.write(auditEvent(req, res, record, received, now()));
        });
      }
      dispatch(req, res, record)
        .catch((e: unknown) => {
          const err = toApiError(e);
          if (err.code >= 500) log.error('request failed', { method: req.method, path: req.url, err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
          sendError(res, err);
        })
        .finally(() => {
          log.v(3).info('request', { method: req.method, path: req.url, code: res.statusCode, ms: Date.now() - started });
        });
    },
    async start() {
      await cache.start();
      await authz.start();
      // Custom resources are registered before the namespace controller and GC list every kind.
      crds = createCrdController({ registry, storeFor, cache, logger: log.child('crd-controller'), now });
      await crds.start();
      namespaces = createNamespaceLifecycle({
        store: (group, version, plural) => {
          const def = registry.get(group, version, plural);
          return def ? storeFor(def) : undefined;
        },
        registry,
        cache,
        logger: log.child('namespace-controller'),
        now,
      });
      await namespaces.start();
      gc = new GarbageCollector(createGcAccess(registry, storeFor, cache, now), log.child('garbage-collector'));
      await gc.start();
      await startServiceAllocation();
      ready = true;
      openapi.warmSoon(1000); // documents built before kubectl asks, off the request path
      log.info('apiserver ready', { resources: registry.all().length });
    },
    async close() {
      if (closed) return;
      closed = true;
      ready = false;
      namespaces?.stop();
      authz.stop();
      crds?.stop();
      gc?.stop();
      if (kubernetesServiceTimer) clearInterval(kubernetesServiceTimer);
      openapi.close();
      const leases = registry.get('coordination.k8s.io', 'v1', 'leases');
      if (serviceAlloc && apiEndpoint && leases)
        await releaseEndpointLease(storeFor(leases), apiEndpoint, now()).catch((e: unknown) => log.warn('endpoint lease release failed', { err: e instanceof Error ? e.message : String(e) }));
      for (const l of listers.values()) l.close();
      cache.close();
      await opts.audit?.close();
    },
  };
}

function auditEvent(req: IncomingMessage, res: ServerResponse, record: RequestRecord, received: Date, done: Date) {
  const info = record.info!;
  const code = res.statusCode;
  return {
    kind: 'Event' as const,
    apiVersion: 'audit.k8s.io/v1' as const,
    level: 'Metadata' as const,
    auditID: randomUUID(),
    stage: 'ResponseComplete' as const,
    requestURI: req.url ?? '/',
    verb: info.verb,
    user: record.user ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    sourceIPs: [req.socket.remoteAddress ?? ''],
    userAgent: req.headers['user-agent'],
    objectRef: info.isResourceRequest
      ? {
          resource: info.resource,
          namespace: info.namespace || undefined,
          name: info.name || undefined,
          apiGroup: info.group || undefined,
          apiVersion: info.version,
          subresource: info.subresource || undefined,
        }
      : undefined,
    responseStatus: { metadata: {} as Record<string, never>, code, ...(code >= 400 ? { status: 'Failure' } : {}) },
    requestReceivedTimestamp: auditTime(received),
    stageTimestamp: auditTime(done),
  };
}

/**
 * Which URL shapes a resource answers on, as upstream's routes: cluster-scoped resources never
 * under /namespaces/{ns}/ (the namespaces resource itself only as /namespaces/{name}); namespaced
 * ones with a name only under /namespaces/{ns}/, and across namespaces only for list and watch.
 */
function checkScope(def: ResourceDef, info: ResourceRequestInfo): void {
  if (def.group === '' && def.plural === 'namespaces') {
    if (info.namespace && info.name !== info.namespace) throw notFoundPath();
    return;
  }
  if (!def.namespaced) {
    if (info.namespace) throw notFoundPath();
    return;
  }
  if (!info.namespace) {
    if (info.name) throw notFoundPath();
    if (info.verb !== 'list' && info.verb !== 'watch')
      throw new ApiError('MethodNotAllowed', 405, 'the server does not allow this method on the requested resource', {});
  }
}

function notFoundPath(): ApiError {
  return new ApiError('NotFound', 404, 'the server could not find the requested resource', {});
}

export { forbidden, notFound };
