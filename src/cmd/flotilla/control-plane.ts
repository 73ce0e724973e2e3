/**
 * Composition of the in-process control loops of `flotilla server`: the scheduler and the
 * controller manager, each with its own identity and in-process client (same authentication,
 * admission, validation and storage path as remote clients; no TLS or sockets), each elected
 * through its own Lease so that several servers can share a cluster.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createJwtSigner } from '../../controllers/serviceaccount/jwt.js';
import { ensureServiceAccountKey } from '../../apiserver/authn/service-account-key.js';
import type { ServerConfig } from '../../cli/server-config.js';
import type { RequestListener } from '../../cli/server.js';
import type { Logger } from '../../lib/log.js';
import { isApiError } from '../../lib/errors.js';
import { createInProcessClient } from '../../client/in-process.js';
import type { Client } from '../../client/types.js';
import type { KubeObject } from '../../api/types.js';
import { startControllerManager } from '../../controllers/manager.js';
import { Scheduler } from '../../scheduler/index.js';
import { SYSTEM_PRIORITY_CLASSES } from '../../api/scheduling/v1/index.js';

const PRIORITY_CLASSES = { group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses' };

/** Creates the system PriorityClasses if missing (upstream's apiserver post-start hook). */
async function ensureSystemPriorityClasses(client: Client, log: Logger): Promise<void> {
  for (const pc of SYSTEM_PRIORITY_CLASSES) {
    try {
      await client.create(PRIORITY_CLASSES, '', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: pc.name }, value: pc.value, description: pc.description });
    } catch (e) {
      if (!(isApiError(e) && e.reason === 'AlreadyExists')) log.warn('could not create system priority class', { name: pc.name, err: e instanceof Error ? e.message : String(e) });
    }
  }
}

/**
 * Starts the control loops. The tokens controller signs legacy token Secrets with the data dir's
 * service-account key, the key the API server signs TokenRequests and verifies bearer tokens with.
 */
const SERVICES = { group: '', version: 'v1', resource: 'services' };

/**
 * The cluster DNS Service `kube-system/kube-dns` at the cluster DNS address (the 10th of the service
 * subnet by default), as kubeadm's CoreDNS add-on creates it: ports dns/53 UDP, dns-tcp/53 TCP,
 * metrics/9153. It has no selector: every node answers it itself (src/proxy/dns redirects the address
 * to the node's own DNS server), so there are no endpoints to list. Created if missing; an existing
 * one is left as it is.
 */
async function ensureKubeDnsService(client: Client, clusterDns: string[], log: Logger): Promise<void> {
  if (!clusterDns.length) return;
  try {
    await client.create(SERVICES, 'kube-system', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kube-dns',
        namespace: 'kube-system',
        labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
        annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
      },
      spec: {
        clusterIP: clusterDns[0],
        clusterIPs: clusterDns,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
        ],
      },
    } as KubeObject);
    log.info('created the cluster DNS Service', { service: 'kube-system/kube-dns', clusterIP: clusterDns[0] });
  } catch (e) {
    if (!(isApiError(e) && e.reason === 'AlreadyExists')) log.warn('could not create the cluster DNS Service', { err: e instanceof Error ? e.message : String(e) });
  }
}

export async function startControlPlane(opts: { handle: RequestListener; config: ServerConfig; logger: Logger }): Promise<() => Promise<void>> {
  const { handle, config, logger } = opts;
  const identity = `${hostname()}_${randomUUID()}`;
  const networks = { clusterCIDRs: config.clusterCidrs, serviceCIDRs: config.serviceCidrs, nodeCIDRMaskSize: 24 };
  const stops: (() => Promise<void>)[] = [];
  const cmClient = createInProcessClient(handle, { username: 'system:kube-controller-manager', groups: ['system:authenticated'] }, 'kube-controller-manager');
  await ensureSystemPriorityClasses(cmClient, logger);
  await ensureKubeDnsService(cmClient, config.clusterDns, logger);
  if (!config.disableControllerManager) {
    const caPath = join(config.dataDir, 'tls', 'ca.crt');
    const caPem = existsSync(caPath) ? readFileSync(caPath, 'utf8') : undefined;
    const cm = await startControllerManager({
      client: cmClient,
      logger,
      networks,
      identity,
      serviceAccountTokens: { sign: createJwtSigner(ensureServiceAccountKey(config.dataDir)), caPem },
      controllerOptions: {
        // kube-root-ca.crt in every namespace, for the pods' kube-api-access volumes.
        ...(caPem ? { rootCAPem: caPem } : {}),
        nodeLifecycle: {
          nodeMonitorGracePeriodMs: config.controllerManager.nodeMonitorGracePeriodMs,
          nodeStartupGracePeriodMs: config.controllerManager.nodeStartupGracePeriodMs,
          nodeMonitorPeriodMs: config.controllerManager.nodeMonitorPeriodMs,
        },
        podGc: { terminatedPodGcThreshold: config.controllerManager.terminatedPodGcThreshold },
        serviceLbPool: config.serviceLbPool,
        maxEndpointsPerSlice: config.controllerManager.maxEndpointsPerSlice,
      },
    });
    stops.push(() => cm.stop());
  }
  if (!config.disableScheduler) {
    const schedClient = createInProcessClient(handle, { username: 'system:kube-scheduler', groups: ['system:authenticated'] }, 'default-scheduler');
    const sched = await startControllerManager({
      client: schedClient,
      logger,
      networks,
      identity,
      leaseName: 'kube-scheduler',
      controllers: () => [new Scheduler()],
    });
    stops.push(() => sched.stop());
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
