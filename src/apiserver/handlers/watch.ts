/**
 * Watch streams: `?watch=true` answers a chunked stream with one JSON event per line
 * (`{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}`).
 *
 * resourceVersion unset or "0": the current state first, as ADDED events, then changes. Any other
 * resourceVersion: every change after it, or (if it is older than the watch window) one ERROR event
 * carrying a 410 Expired Status, then the end of the stream. Objects moving into or out of the
 * selectors are ADDED / DELETED, as upstream's cacher does.
 */
import type { KubeObject } from '../../api/types.js';
import { ApiError, notAcceptable } from '../../lib/errors.js';
import type { WatchCache, CacheEvent, Subscription } from '../watch-cache.js';
import { listPrefix } from '../registry/keys.js';
import { buildFilter } from '../selectors.js';
import { parseResourceVersion } from '../registry/store.js';
import { chooseOutput } from '../negotiation.js';
import { toTable, type IncludeObject } from '../table.js';
import { statusFromError, toApiError } from '../status.js';
import { exactMatch, parseFieldSelector } from '../../lib/fields/index.js';
import type { HandlerEnv, ResourceRequest } from './resource.js';

export interface WatchEnv extends HandlerEnv {
  cache: WatchCache;
  /** Bookmark period (upstream: about a minute). */
  bookmarkIntervalMs?: number;
  /** Streams with no timeoutSeconds end after this long (upstream: 30-60 minutes); 0: never. */
  defaultTimeoutMs?: number;
  /** A watcher with more than this many bytes unsent is disconnected (default 16 MiB). */
  maxBufferedBytes?: number;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export async function handleWatch(r: ResourceRequest, env: WatchEnv): Promise<void> {
  const q = r.query;
  const out = chooseOutput(r.req.headers['accept']);
  if (!out) throw notAcceptable('the server was unable to respond with a content type that the client supports');
  const asTable = out.kind === 'table' ? out : undefined;
  let fieldSelector = q.get('fieldSelector');
  // GET .../pods/NAME?watch=true watches one object.
  if (r.info.name) fieldSelector = fieldSelector ? `${fieldSelector},metadata.name=${r.info.name}` : `metadata.name=${r.info.name}`;
  const { filter } = buildFilter(r.def, q.get('labelSelector'), fieldSelector);
  const rvText = q.get('resourceVersion') ?? '';
  const sendInitial = rvText === '' || rvText === '0' || q.get('sendInitialEvents') === 'true';
  let afterRev = rvText && rvText !== '0' ? parseResourceVersion(rvText) : 0;
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const timeoutSeconds = Number(q.get('timeoutSeconds') ?? NaN);
  const includeObject = (q.get('includeObject') as IncludeObject | null) ?? 'Metadata';
  const storagePrefix = listPrefix(r.store.storageDef, r.def.namespaced ? r.info.namespace : '');
  // Narrow the storage prefix to one key when the watch is for one name.
  const exactName = fieldSelector ? exactMatch(parseFieldSelector(fieldSelector), 'metadata.name') : undefined;
  const prefix = exactName && (r.info.namespace || !r.def.namespaced) ? r.store.key(r.info.namespace, exactName) : storagePrefix;

  const res = r.res;
  let sub: Subscription | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  /** True once the initial state is sent: only live events count against the buffer limit. */
  let live = false;
  const finish = () => {
    sub?.close();
    sub = undefined;
    clearInterval(bookmarkTimer);
    clearTimeout(timeoutTimer);
    if (!res.writableEnded) res.end();
  };
  let headerSent = false;
  let tableHeaderSent = false;
  const writeEvent = (type: EventType, object: unknown, shared?: CacheEvent) => {
    if (!headerSent) startStream();
    if (res.writableEnded) return;
    // A watcher that cannot keep up is cut off (it resumes from its last resourceVersion), as
    // upstream's cacher does, instead of buffering without bound.
    if (live && res.writableLength > (env.maxBufferedBytes ?? 16 * 1024 * 1024)) {
      finish();
      return;
    }
    if (shared && !asTable && !r.store.def.conversion) {
      // The same line serves every plain-JSON watcher of this event.
      const lines = (shared.lines ??= new Map<string, string>());
      let line = lines.get(type);
      if (line === undefined) {
        line = JSON.stringify({ type, object }) + '\n';
        lines.set(type, line);
      }
      res.write(line);
      return;
    }
    res.write(JSON.stringify({ type, object }) + '\n');
  };
  const startStream = () => {
    headerSent = true;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
  };
  const render = (obj: KubeObject): unknown => {
    if (!asTable) return obj;
    const t = toTable(r.def, [obj], { version: asTable.version, includeObject, now: env.now(), noHeaders: tableHeaderSent, resourceVersion: obj.metadata.resourceVersion });
    tableHeaderSent = true;
    return t;
  };

  let lastSentRev = afterRev;
  if (sendInitial) {
    const list = await r.store.list({ namespace: r.info.namespace, filter });
    afterRev = Number(list.metadata.resourceVersion);
    startStream();
    for (const item of list.items) writeEvent('ADDED', render(item));
    lastSentRev = afterRev;
    if (q.get('sendInitialEvents') === 'true' && bookmarks)
      writeEvent('BOOKMARK', bookmarkObject(r, afterRev, true));
  }

  const onEvents = (events: CacheEvent[]) => {
    for (const e of events) {
      const ev = translate(r, e, filter);
      if (ev) writeEvent(ev.type, render(ev.object), e);
      lastSentRev = e.revision;
    }
  };
  try {
    sub = env.cache.subscribe(prefix, afterRev, onEvents, (err) => {
      if (err) writeEvent('ERROR', statusFromError(toApiError(err)));
      finish();
    });
  } catch (e) {
    // 410 for a too-old resourceVersion: as an ERROR event (client-go relists on it).
    const err = toApiError(e);
    if (err instanceof ApiError && err.code === 410 && !headerSent) {
      writeEvent('ERROR', statusFromError(err));
      finish();
      return;
    }
    throw e;
  }
  if (!headerSent) startStream();
  live = true;
  bookmarkTimer = setInterval(() => {
    if (bookmarks) writeEvent('BOOKMARK', bookmarkObject(r, Math.max(lastSentRev, env.cache.latestRevision()), false));
  }, env.bookmarkIntervalMs ?? 60_000);
  bookmarkTimer.unref();
  const timeoutMs = Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? timeoutSeconds * 1000 : (env.defaultTimeoutMs ?? 30 * 60_000);
  if (timeoutMs > 0) {
    timeoutTimer = setTimeout(finish, timeoutMs);
    timeoutTimer.unref();
  }
  r.req.on('close', finish);
  res.on('close', finish);
}

function bookmarkObject(r: ResourceRequest, rev: number, initialEnd: boolean): Record<string, unknown> {
  const metadata: Record<string, unknown> = { resourceVersion: String(rev) };
  if (initialEnd) metadata['annotations'] = { 'k8s.io/initial-events-end': 'true' };
  return { kind: r.def.kind, apiVersion: r.def.group ? `${r.def.group}/${r.def.version}` : r.def.version, metadata };
}

/** Maps one storage event to the watch event this watcher sees (or none). */
function translate(
  r: ResourceRequest,
  e: CacheEvent,
  filter: ((o: KubeObject) => boolean) | undefined,
): { type: EventType; object: KubeObject } | undefined {
  const cur = (e.parsed ??= JSON.parse(e.value)) as KubeObject;
  // Without conversion every watcher shares the parsed object (only its resourceVersion is set,
  // identically for all); with conversion each gets its own converted copy.
  const view = (o: KubeObject) => {
    if (r.store.def.conversion) return r.store.fromStored(o, e.revision);
    o.metadata.resourceVersion = String(e.revision);
    return o;
  };
  if (e.type === 'delete') {
    const obj = view(cur);
    if (filter && !filter(obj)) return undefined;
    return { type: 'DELETED', object: obj };
  }
  const obj = view(cur);
  const nowMatches = !filter || filter(obj);
  if (e.created || e.prevValue === undefined) return nowMatches ? { type: 'ADDED', object: obj } : undefined;
  // Selector transitions need the previous state; unfiltered watchers never parse it.
  const before = filter ? filter(view((e.parsedPrev ??= JSON.parse(e.prevValue)) as KubeObject)) : true;
  if (nowMatches && before) return { type: 'MODIFIED', object: obj };
  if (nowMatches) return { type: 'ADDED', object: obj };
  if (before) return { type: 'DELETED', object: obj };
  return undefined;
}
