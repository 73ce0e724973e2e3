/**
 * The controller manager: runs every built-in controller in this process, each acting through an
 * in-process client with the controller manager's identity and reading through shared informers,
 * as kube-controller-manager does. Only the leader (a coordination.k8s.io Lease in kube-system) runs
 * the loops, so several servers can share one cluster.
 *
 * Contract: start() resolves once this instance either leads (and every controller started) or
 * knows another instance leads; stop() stops the controllers and releases the lease.
 */
import type { Client } from '../client/types.js';
import { createInformerFactory, createWorkQueue } from '../client/index.js';
import { createEventRecorder } from '../client/events.js';
import { createLeaderElector } from '../client/leader-election.js';
import type { Logger } from '../lib/log.js';
import type { ClusterNetworks, Controller, ControllerContext, EventSink } from './context.js';
import { newReplicaSetController } from './replicaset/controller.js';
import { newDeploymentController } from './deployment/controller.js';
import { createStatefulSetController } from './statefulset/controller.js';
import { createDaemonSetController } from './daemonset/controller.js';
import { createJobController } from './job/controller.js';
import { createCronJobController } from './cronjob/controller.js';
import { newNodeIpamController } from './node-ipam/controller.js';
import { newNodeLifecycleController, type NodeLifecycleControllerOptions } from './node-lifecycle/controller.js';
import { newDisruptionController } from './disruption/controller.js';
import { newServiceAccountController, newTokensController } from './serviceaccount/controller.js';
import type { TokenSigner } from './serviceaccount/reconcile.js';
import { newResourceQuotaController } from './resourcequota/controller.js';
import { newPodGcController, type PodGcControllerOptions } from './pod-gc/index.js';
import { newRootCAPublisher } from './root-ca-publisher/index.js';
import { newServiceLbController } from './service-lb/index.js';
import { newEndpointSliceController } from './endpointslice/index.js';
import { newEndpointsController } from './endpoints/index.js';
import { newEndpointSliceMirroringController } from './endpointslice-mirroring/index.js';

export interface ControllerManagerOptions {
  client: Client;
  logger: Logger;
  now?: () => Date;
  networks: ClusterNetworks;
  /** Identity written into the leader Lease (hostname_uuid). */
  identity: string;
  /** Controllers to leave out, by name (e.g. 'node-lifecycle-controller' in tests). */
  disabled?: readonly string[];
  /** The Lease in kube-system that elects the leader (default kube-controller-manager). */
  leaseName?: string;
  /** The controllers to run (default builtinControllers()); created anew each time leadership is won. */
  controllers?: () => Controller[];
  /** Signs legacy service-account token Secrets; without it the tokens controller does not run. */
  serviceAccountTokens?: ServiceAccountTokenOptions;
  /** Settings of the built-in controllers (kube-controller-manager flags); unused with `controllers`. */
  controllerOptions?: BuiltinControllerOptions;
}

/** Settings of the built-in controllers, as kube-controller-manager's flags set them. */
export interface BuiltinControllerOptions {
  /** Signs legacy service-account token Secrets; without it the tokens controller does not run. */
  serviceAccountTokens?: ServiceAccountTokenOptions;
  /** --node-monitor-grace-period, --node-startup-grace-period, --node-monitor-period. */
  nodeLifecycle?: Pick<NodeLifecycleControllerOptions, 'nodeMonitorGracePeriodMs' | 'nodeStartupGracePeriodMs' | 'nodeMonitorPeriodMs'>;
  /** --terminated-pod-gc-threshold and the pass period. */
  podGc?: Pick<PodGcControllerOptions, 'terminatedPodGcThreshold' | 'gcPeriodMs'>;
  /**
   * The cluster CA (PEM) that the root CA publisher writes to `kube-root-ca.crt` in every
   * namespace (kube-controller-manager's --root-ca-file); without it that controller does not run.
   */
  rootCAPem?: string;
  /** --service-lb-pool: addresses for LoadBalancer Services (empty: the nodes' InternalIPs). */
  serviceLbPool?: readonly string[];
  /** --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
}

export interface ServiceAccountTokenOptions {
  sign: TokenSigner;
  /** The cluster CA, written to each token Secret's ca.crt. */
  caPem?: string;
}

export interface RunningControllerManager {
  stop(): Promise<void>;
  /** True while this instance leads and its controllers run. */
  leading(): boolean;
}

/**
 * The built-in controllers, in start order. Also accepts the service-account token options alone
 * (the earlier signature).
 */
export function builtinControllers(options: BuiltinControllerOptions | ServiceAccountTokenOptions = {}): Controller[] {
  const opts: BuiltinControllerOptions = 'sign' in options ? { serviceAccountTokens: options } : options;
  const tokens = opts.serviceAccountTokens;
  const newQueue = (name: string) => createWorkQueue({ name });
  return [
    newNodeIpamController({ newQueue }),
    newNodeLifecycleController({ ...opts.nodeLifecycle, newQueue }),
    newServiceAccountController({ newQueue }),
    ...(opts.rootCAPem ? [newRootCAPublisher({ newQueue, caPem: opts.rootCAPem })] : []),
    ...(tokens ? [newTokensController({ newQueue, sign: tokens.sign, caPem: tokens.caPem })] : []),
    newReplicaSetController({ newQueue }),
    newDeploymentController({ newQueue }),
    createStatefulSetController({ newQueue }),
    createDaemonSetController({ newQueue }),
    createJobController({ newQueue }),
    createCronJobController({ newQueue }),
    newDisruptionController({ newQueue }),
    newResourceQuotaController({ newQueue }),
    newPodGcController(opts.podGc),
    newServiceLbController({ newQueue, pool: opts.serviceLbPool ?? [] }),
    newEndpointsController({ newQueue }),
    newEndpointSliceController({ newQueue, ...(opts.maxEndpointsPerSlice !== undefined ? { maxEndpointsPerSlice: opts.maxEndpointsPerSlice } : {}) }),
    newEndpointSliceMirroringController({ newQueue }),
  ];
}

export async function startControllerManager(opts: ControllerManagerOptions): Promise<RunningControllerManager> {
  const log = opts.logger.child(opts.leaseName ?? 'controller-manager');
  const now = opts.now ?? (() => new Date());
  const recorders = new Map<string, EventSink>();
  let running: { controllers: Controller[]; informers: ReturnType<typeof createInformerFactory> } | undefined;
  let isLeading = false;

  const startLoops = async () => {
    const informers = createInformerFactory(opts.client, { logger: log.child('informers') });
    const ctx: ControllerContext = {
      client: opts.client,
      informers,
      recorder: (component) => {
        const existing = recorders.get(component);
        if (existing) return existing;
        const r = createEventRecorder(opts.client, component, { now, logger: log.child('events') });
        recorders.set(component, r);
        return r;
      },
      logger: log,
      now,
      networks: opts.networks,
    };
    const controllers = (opts.controllers ?? (() => builtinControllers({ ...opts.controllerOptions, serviceAccountTokens: opts.controllerOptions?.serviceAccountTokens ?? opts.serviceAccountTokens })))().filter((c) => !opts.disabled?.includes(c.name));
    running = { controllers, informers };
    for (const c of controllers) await c.start(ctx);
    await informers.start();
    log.info('controllers started', { controllers: controllers.map((c) => c.name).join(',') });
  };

  const stopLoops = async () => {
    const r = running;
    running = undefined;
    if (!r) return;
    for (const c of [...r.controllers].reverse()) await c.stop().catch((e: unknown) => log.error('controller stop failed', { controller: c.name, err: String(e) }));
    r.informers.stop();
  };

  const elector = createLeaderElector({
    client: opts.client,
    namespace: 'kube-system',
    name: opts.leaseName ?? 'kube-controller-manager',
    identity: opts.identity,
    onStartedLeading: () => {
      isLeading = true;
      log.info('became leader', { identity: opts.identity });
      void startLoops().catch((e: unknown) => log.error('controllers failed to start', { err: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
    },
    onStoppedLeading: () => {
      isLeading = false;
      log.info('lost leadership', { identity: opts.identity });
      void stopLoops();
    },
  });
  elector.run();
  return {
    leading: () => isLeading,
    async stop() {
      await stopLoops();
      await elector.stop();
    },
  };
}
