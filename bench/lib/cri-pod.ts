/**
 * The minimal CRI sandbox + container pair the runtime baselines start: busybox `sleep 3600`, its
 * log directory created, in the host's network namespace (`NODE`, no CNI) or its own (`POD`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUILTIN_IMAGES } from '../../src/agent/images/builtin.js';
import type { ContainerConfig, PodSandboxConfig } from '../../src/agent/runtime/index.js';

export function busyboxSleepPod(opts: { name: string; uid: string; namespace: string; logRoot: string; network: 'NODE' | 'POD' }): { sandbox: PodSandboxConfig; container: ContainerConfig } {
  const namespaceOptions = { network: opts.network, pid: 'CONTAINER', ipc: 'POD' } as const;
  const logDirectory = join(opts.logRoot, opts.uid);
  mkdirSync(logDirectory, { recursive: true });
  return {
    sandbox: {
      metadata: { name: opts.name, uid: opts.uid, namespace: opts.namespace, attempt: 0 },
      hostname: opts.network === 'POD' ? opts.name : '',
      logDirectory,
      portMappings: [],
      labels: {},
      annotations: {},
      linux: { cgroupParent: '', securityContext: { namespaceOptions } },
    },
    container: {
      metadata: { name: 'main', attempt: 0 },
      image: { image: BUILTIN_IMAGES.busybox },
      command: ['sleep', '3600'],
      args: [],
      workingDir: '',
      envs: [],
      mounts: [],
      labels: {},
      annotations: {},
      logPath: 'main/0.log',
      stdin: false,
      stdinOnce: false,
      tty: false,
      linux: { securityContext: { namespaceOptions, privileged: false, readonlyRootfs: false, supplementalGroups: [], noNewPrivs: false } },
    },
  };
}
