/**
 * The CRI mounts of one container (kubelet's makeMounts, kubelet_pods.go): each volumeMount with
 * its subPath / subPathExpr, readOnly and mountPropagation; the pod's managed /etc/hosts; the
 * termination-message file. And the content of that /etc/hosts. Pure: the I/O that must precede
 * container creation (the files, subPath directories) is in container-files.ts.
 */
import type { V1Container, V1Pod } from '../../api/core/v1/index.js';
import type { KeyValue, Mount } from '../runtime/cri-types.js';
import { expand } from '../pods/expansion.js';
import { podHostnameAndDomain } from '../pods/sandbox-config.js';
import { DEFAULT_TERMINATION_MESSAGE_PATH, terminationMessageHostPath } from '../pods/container-config.js';
import { etcHostsPath, podDir, volumeKind } from './paths.js';

export const ETC_HOSTS_PATH = '/etc/hosts';

export interface ContainerMountOptions {
  podsDir: string;
  /** Volume name → host path, from setupPodVolumes. */
  volumePaths: ReadonlyMap<string, string>;
  /** The container's restart count (names its termination-message file). */
  attempt: number;
  /** The pod's IPs (the sandbox's; the node's for hostNetwork). No /etc/hosts without one. */
  podIPs: readonly string[];
  /** The container's resolved environment, for subPathExpr. */
  env: readonly KeyValue[];
  /** For the FQDN line of /etc/hosts (pods with spec.subdomain). */
  clusterDomain: string;
}

/** A subPath the I/O side must create (safely, inside its volume) before the container starts. */
export interface SubPathRequest {
  volumeName: string;
  /** The volume's host directory. */
  volumePath: string;
  /** Relative, cleaned, without '..'. */
  subPath: string;
}

export interface ContainerMountsPlan {
  mounts: Mount[];
  subPaths: SubPathRequest[];
  /** The host file behind terminationMessagePath, to create empty (0666) beforehand. */
  terminationMessageFile?: string;
  /** Whether the pod's managed /etc/hosts is mounted (it must exist beforehand). */
  etcHosts: boolean;
}

const PROPAGATION: Record<string, Mount['propagation']> = {
  HostToContainer: 'PROPAGATION_HOST_TO_CONTAINER',
  Bidirectional: 'PROPAGATION_BIDIRECTIONAL',
  None: 'PROPAGATION_PRIVATE',
};

/** Volume sources kubelet always mounts read-only (their mounters' attributes say ReadOnly). */
const READ_ONLY_KINDS = new Set(['configMap', 'secret', 'downwardAPI', 'projected']);

/**
 * Expands a subPathExpr with the container's environment as kubelet does: a reference to an
 * unset or empty variable is an error (`missing value for A, B`, names sorted).
 */
export function expandSubPathExpr(expr: string, env: readonly KeyValue[]): { value: string } | { error: string } {
  const vars = new Map(env.map((kv) => [kv.key, kv.value]));
  const missing = new Set<string>();
  const value = expand(expr, (name) => {
    const v = vars.get(name);
    if (!v) missing.add(name);
    return v ?? '';
  });
  if (missing.size) return { error: `missing value for ${[...missing].sort().join(', ')}` };
  return { value };
}

/** The mounts of `container` (an init, regular or ephemeral container of `pod`), or the error that stops it. */
export function containerMounts(pod: V1Pod, container: V1Container, opts: ContainerMountOptions): ContainerMountsPlan | { error: string } {
  const uid = pod.metadata.uid ?? '';
  const kinds = new Map((pod.spec?.volumes ?? []).map((v) => [v.name ?? '', volumeKind(v)]));
  const mounts: Mount[] = [];
  const subPaths: SubPathRequest[] = [];
  let etcHosts = opts.podIPs.length > 0;
  for (const vm of container.volumeMounts ?? []) {
    const name = vm.name ?? '';
    const mountPath = vm.mountPath ?? '';
    if (mountPath === ETC_HOSTS_PATH) etcHosts = false;
    let hostPath = opts.volumePaths.get(name);
    if (hostPath === undefined) return { error: `cannot find volume "${name}" to mount into container "${container.name ?? ''}"` };
    let subPath = vm.subPath ?? '';
    if (vm.subPathExpr) {
      const r = expandSubPathExpr(vm.subPathExpr, opts.env);
      if ('error' in r) return r;
      subPath = r.value;
    }
    if (subPath !== '') {
      if (subPath.startsWith('/')) return { error: `error SubPath \`${subPath}\` must not be an absolute path` };
      if (subPath.split('/').includes('..')) return { error: `unable to provision SubPath \`${subPath}\`: must not contain '..'` };
      const clean = subPath.split('/').filter((s) => s !== '' && s !== '.').join('/');
      if (clean !== '') {
        subPaths.push({ volumeName: name, volumePath: hostPath, subPath: clean });
        hostPath = `${hostPath.replace(/\/+$/, '')}/${clean}`;
      }
    }
    const kind = kinds.get(name);
    const m: Mount = {
      containerPath: mountPath,
      hostPath,
      readonly: vm.readOnly === true || (kind !== undefined && READ_ONLY_KINDS.has(kind)),
    };
    m.propagation = PROPAGATION[vm.mountPropagation ?? 'None'] ?? 'PROPAGATION_PRIVATE';
    mounts.push(m);
  }
  if (etcHosts) mounts.push({ containerPath: ETC_HOSTS_PATH, hostPath: etcHostsPath(opts.podsDir, uid), readonly: false, propagation: 'PROPAGATION_PRIVATE' });
  let terminationMessageFile: string | undefined;
  const tmPath = container.terminationMessagePath ?? DEFAULT_TERMINATION_MESSAGE_PATH;
  if (tmPath !== '' && !mounts.some((m) => m.containerPath === tmPath)) {
    terminationMessageFile = terminationMessageHostPath(podDir(opts.podsDir, uid), container.name ?? '', opts.attempt);
    mounts.push({ containerPath: tmPath, hostPath: terminationMessageFile, readonly: false, propagation: 'PROPAGATION_PRIVATE' });
  }
  return { mounts, subPaths, etcHosts, ...(terminationMessageFile ? { terminationMessageFile } : {}) };
}

const HOSTS_HEADER = '# Kubernetes-managed hosts file.\n';
const HOSTS_HEADER_HOST_NETWORK = '# Kubernetes-managed hosts file (host network).\n';

function hostAliasLines(pod: V1Pod): string {
  const aliases = pod.spec?.hostAliases ?? [];
  if (!aliases.length) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

/**
 * The managed /etc/hosts of a pod, byte for byte as kubelet writes it: localhost entries, one line
 * per pod IP with the (FQDN and) hostname, then spec.hostAliases. For hostNetwork pods: the node's
 * own hosts file (`nodeHosts`) under a header, then the aliases.
 */
export function etcHostsContent(pod: V1Pod, podIPs: readonly string[], clusterDomain: string, nodeHosts = ''): { content: string } | { error: string } {
  if (pod.spec?.hostNetwork) return { content: HOSTS_HEADER_HOST_NETWORK + nodeHosts + hostAliasLines(pod) };
  const hd = podHostnameAndDomain(pod, clusterDomain);
  if ('error' in hd) return hd;
  let out = HOSTS_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) out += hd.domain ? `${ip}\t${hd.hostname}.${hd.domain}\t${hd.hostname}\n` : `${ip}\t${hd.hostname}\n`;
  return { content: out + hostAliasLines(pod) };
}
