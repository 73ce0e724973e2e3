/**
 * Wiring of the root CA publisher (controller name `root-ca-cert-publisher`, as upstream): keeps
 * `kube-root-ca.crt` in every namespace (see reconcile.ts), so that pods' kube-api-access volumes
 * find ca.crt.
 *
 * Level-triggered: namespace adds/updates and changes or deletions of a `kube-root-ca.crt`
 * ConfigMap enqueue the namespace; sync re-reads the caches and throws to be retried. Harmless to
 * run twice: creates tolerate AlreadyExists, updates carry the cached resourceVersion.
 */
import { R, type Client } from '../../client/types.js';
import type { Informer, WorkQueue } from '../../client/informer-types.js';
import type { Controller, ControllerContext } from '../context.js';
import { isApiError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { ROOT_CA_CONFIGMAP_NAME, reconcileRootCA, type ConfigMapView, type NamespaceView } from './reconcile.js';

export const ROOT_CA_PUBLISHER = 'root-ca-cert-publisher';

export interface RootCAPublisherOptions {
  newQueue: (name: string) => WorkQueue;
  /** The cluster CA (PEM). */
  caPem: string;
  workers?: number;
}

export class RootCAPublisher implements Controller {
  readonly name = ROOT_CA_PUBLISHER;
  private queue: WorkQueue | undefined;
  private client!: Client;
  private namespaces!: Informer<NamespaceView>;
  private configMaps!: Informer<ConfigMapView>;
  private logger!: Logger;

  constructor(private readonly opts: RootCAPublisherOptions) {}

  async start(ctx: ControllerContext): Promise<void> {
    this.client = ctx.client;
    this.logger = ctx.logger.child(ROOT_CA_PUBLISHER);
    const queue = (this.queue = this.opts.newQueue(ROOT_CA_PUBLISHER));
    this.namespaces = ctx.informers.for<NamespaceView>(R.namespaces);
    this.configMaps = ctx.informers.for<ConfigMapView>(R.configmaps);
    this.namespaces.addHandlers({ add: (n) => queue.add(n.metadata.name ?? ''), update: (_o, n) => queue.add(n.metadata.name ?? '') });
    const onCm = (cm: ConfigMapView): void => {
      if (cm.metadata.name === ROOT_CA_CONFIGMAP_NAME) queue.add(cm.metadata.namespace ?? '');
    };
    this.configMaps.addHandlers({ update: (_o, cm) => onCm(cm), delete: onCm });
    await Promise.all([this.namespaces.start(), this.configMaps.start()]);
    queue.run(this.opts.workers ?? 1, (ns) => this.sync(ns));
  }

  async stop(): Promise<void> {
    await this.queue?.shutdown();
  }

  /** Ensures one namespace's kube-root-ca.crt. Idempotent; throws to be retried. */
  async sync(namespace: string): Promise<void> {
    const action = reconcileRootCA(this.namespaces.get('', namespace), this.configMaps.get(namespace, ROOT_CA_CONFIGMAP_NAME), this.opts.caPem);
    try {
      if (action.type === 'create') {
        await this.client.create(R.configmaps, namespace, action.configMap);
        this.logger.v(2).info('published root CA', { configMap: `${namespace}/${ROOT_CA_CONFIGMAP_NAME}` });
      } else if (action.type === 'update') {
        await this.client.update(R.configmaps, namespace, action.configMap);
        this.logger.v(2).info('updated root CA', { configMap: `${namespace}/${ROOT_CA_CONFIGMAP_NAME}` });
      }
    } catch (e) {
      // Raced with another writer (requeued by its event) or the namespace is terminating.
      if (isApiError(e) && (e.reason === 'AlreadyExists' || e.reason === 'Forbidden' || e.reason === 'NotFound')) return;
      throw e;
    }
  }
}

export function newRootCAPublisher(opts: RootCAPublisherOptions): RootCAPublisher {
  return new RootCAPublisher(opts);
}
