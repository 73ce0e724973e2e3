/**
 * Fakes of the client, informers and event sink for testing the scheduler's I/O layer: the fake
 * client "binds" a pod by emitting the bound pod through the pod informer, as the apiserver's
 * watch would.
 */
import type { KubeList, KubeObject } from '../../api/types.js';
import type { Client, GVR } from '../../client/types.js';
import type { EventHandlers, Informer, InformerFactory } from '../../client/informer-types.js';
import type { ControllerContext, EventSink } from '../../controllers/context.js';
import { discardLogger } from '../../lib/log.js';

const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class FakeInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly objs = new Map<string, T>();
  private readonly handlers: EventHandlers<T>[] = [];
  constructor(readonly gvr: GVR) {}
  addHandlers(h: EventHandlers<T>): void {
    this.handlers.push(h);
  }
  addIndex(): void {}
  async start(): Promise<void> {}
  stop(): void {}
  hasSynced(): boolean {
    return true;
  }
  get(namespace: string, name: string): T | undefined {
    return this.objs.get(`${namespace}/${name}`);
  }
  list(): T[] {
    return [...this.objs.values()];
  }
  byIndex(): T[] {
    return [];
  }
  lastResourceVersion(): string {
    return '1';
  }
  set(o: T): void {
    const old = this.objs.get(key(o));
    this.objs.set(key(o), o);
    for (const h of this.handlers) old ? h.update?.(old, o) : h.add?.(o);
  }
  remove(o: T): void {
    const old = this.objs.get(key(o));
    if (!old) return;
    this.objs.delete(key(o));
    for (const h of this.handlers) h.delete?.(old);
  }
}

export class FakeInformerFactory implements InformerFactory {
  readonly informers = new Map<string, FakeInformer>();
  for<T extends KubeObject = KubeObject>(gvr: GVR): Informer<T> {
    return this.get(gvr) as unknown as Informer<T>;
  }
  get(gvr: GVR): FakeInformer {
    const k = `${gvr.group}/${gvr.resource}`;
    let i = this.informers.get(k);
    if (!i) this.informers.set(k, (i = new FakeInformer(gvr)));
    return i;
  }
  async start(): Promise<void> {}
  stop(): void {}
}

export interface Call {
  verb: string;
  resource: string;
  namespace: string;
  name: string;
  body?: unknown;
}

export class FakeClient implements Client {
  readonly userAgent = 'fake';
  readonly calls: Call[] = [];
  /** Names of pods whose binding should fail once. */
  readonly failBinding = new Set<string>();
  constructor(private readonly informers: FakeInformerFactory) {}
  async get<T extends KubeObject>(): Promise<T> {
    throw new Error('not implemented');
  }
  async list<T extends KubeObject>(): Promise<KubeList<T>> {
    throw new Error('not implemented');
  }
  watch(): { stop(): void } {
    return { stop() {} };
  }
  async create<T extends KubeObject>(_g: GVR, _ns: string, obj: T): Promise<T> {
    return obj;
  }
  async update<T extends KubeObject>(_g: GVR, _ns: string, obj: T): Promise<T> {
    return obj;
  }
  async patch<T extends KubeObject>(gvr: GVR, namespace: string, name: string, _t: string, patch: unknown): Promise<T> {
    this.calls.push({ verb: 'patch', resource: gvr.resource, namespace, name, body: patch });
    const inf = this.informers.get(gvr);
    const cur = inf.get(namespace, name);
    if (cur) {
      const st = (patch as { status?: Record<string, unknown> }).status ?? {};
      inf.set({ ...cur, status: { ...(cur['status'] as object), ...st } });
    }
    return (cur ?? {}) as T;
  }
  async delete<T extends KubeObject>(gvr: GVR, namespace: string, name: string): Promise<T | undefined> {
    this.calls.push({ verb: 'delete', resource: gvr.resource, namespace, name });
    const inf = this.informers.get(gvr);
    const cur = inf.get(namespace, name);
    if (cur) inf.remove(cur);
    return undefined;
  }
  async post(gvr: GVR, namespace: string, name: string, subresource: string, body: unknown): Promise<unknown> {
    this.calls.push({ verb: `post/${subresource}`, resource: gvr.resource, namespace, name, body });
    await Promise.resolve();
    if (this.failBinding.delete(name)) throw Object.assign(new Error('boom'), { reason: 'InternalError' });
    const inf = this.informers.get(gvr);
    const cur = inf.get(namespace, name);
    const target = (body as { target: { name: string } }).target.name;
    if (cur) inf.set({ ...cur, spec: { ...(cur['spec'] as object), nodeName: target } });
    return {};
  }
}

export class FakeRecorder implements EventSink {
  readonly events: { name: string; type: string; reason: string; message: string }[] = [];
  event(obj: { metadata: { name?: string } }, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.events.push({ name: obj.metadata.name ?? '', type, reason, message });
  }
}

export function fakeContext(): { ctx: ControllerContext; client: FakeClient; informers: FakeInformerFactory; recorder: FakeRecorder } {
  const informers = new FakeInformerFactory();
  const client = new FakeClient(informers);
  const recorder = new FakeRecorder();
  const ctx: ControllerContext = {
    client,
    informers,
    recorder: () => recorder,
    logger: discardLogger,
    now: () => new Date('2026-01-01T00:00:00Z'),
    networks: { clusterCIDRs: ['10.244.0.0/16'], serviceCIDRs: ['10.96.0.0/16'], nodeCIDRMaskSize: 24 },
  };
  return { ctx, client, informers, recorder };
}
