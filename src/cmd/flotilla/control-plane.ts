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
export async function startControlPlane(opts: { handle: RequestListener; config: ServerConfig; logger: Logger }): Promise<() => Promise<void>> {
  const { handle, config, logger } = opts;
  const identity = `${hostname()}_${randomUUID()}`;
  const networks = { clusterCIDRs: config.clusterCidrs, serviceCIDRs: config.serviceCidrs, nodeCIDRMaskSize: 24 };
  const stops: (() => Promise<void>)[] = [];
  const cmClient = createInProcessClient(handle, { username: 'system:kube-controller-manager', groups: ['system:authenticated'] }, 'kube-controller-manager');
  await ensureSystemPriorityClasses(cmClient, logger);
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
