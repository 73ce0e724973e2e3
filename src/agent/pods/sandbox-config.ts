/**
 * podSandboxConfig: the CRI PodSandboxConfig of a pod (kuberuntime_sandbox.go
 * generatePodSandboxConfig, network/dns/dns.go GetPodDNS, kubelet_pods.go
 * GeneratePodHostNameAndDomain). Pure; the host's resolv.conf is an input (parseResolvConf).
 */
import { isDNS1123Label } from '../../lib/validation/names.js';
import type { V1Pod } from '../../api/core/v1/index.js';
import type { DNSConfig, NamespaceOption, PodSandboxConfig, PortMapping, Protocol } from '../runtime/cri-types.js';
import { CRI_LABELS } from '../runtime/cri-types.js';
import { ipcNamespaceForPod, isHostNetworkPod, networkNamespaceForPod, pidNamespaceForPod } from './helpers.js';
import { DEFAULT_CGROUP_ROOT, calculateLinuxResources, podCgroupParent, podEffectiveResources } from './resources.js';

export interface PodDNSSettings {
  /** The cluster DNS servers (kubelet --cluster-dns); empty: ClusterFirst falls back to Default. */
  clusterDNS: string[];
  /** e.g. cluster.local (kubelet --cluster-domain); '' keeps the host's searches only. */
  clusterDomain: string;
  /** The host's resolv.conf (parseResolvConf); undefined as kubelet --resolv-conf="". */
  host?: DNSConfig;
  /** Node IPs, for the loopback servers used when there is no host resolv.conf. */
  nodeIPs?: string[];
}

export interface SandboxConfigOptions {
  /** Pod log root, e.g. /var/log/pods; the sandbox logs to `<root>/<ns>_<name>_<uid>`. */
  logRoot: string;
  dns: PodDNSSettings;
  attempt: number;
  /** Root of the pod cgroups (default /flotilla). */
  cgroupRoot?: string;
}

export interface SandboxEvent {
  type: 'Warning';
  reason: 'MissingClusterDNS' | 'DNSConfigForming';
  message: string;
}

export type SandboxConfigResult = { config: PodSandboxConfig; events: SandboxEvent[] } | { error: { message: string } };

export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
const HOSTNAME_MAX_LEN = 63;
const FQDN_MAX_LEN = 64;

/** resolv.conf as the kubelet reads it: nameservers, the last `search` line, all options. */
export function parseResolvConf(text: string): DNSConfig {
  const servers: string[] = [];
  let searches: string[] = [];
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '');
    const fields = line.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields.length >= 2) servers.push(fields[1]!);
    else if (fields[0] === 'search') searches = fields.slice(1).map((s) => (s.length > 1 ? s.replace(/\.$/, '') : s));
    else if (fields[0] === 'options') options.push(...fields.slice(1));
  }
  return { servers, searches, options };
}

function omitDuplicates(xs: string[]): string[] {
  return [...new Set(xs)];
}

function mergeDNSOptions(existing: string[], extra: { name?: string; value?: string }[]): string[] {
  const m = new Map<string, string>();
  for (const op of existing) {
    const i = op.indexOf(':');
    if (i === -1) m.set(op, '');
    else m.set(op.slice(0, i), op.slice(i + 1));
  }
  for (const op of extra) m.set(op.name ?? '', op.value ?? '');
  return [...m].map(([k, v]) => (v === '' ? k : `${k}:${v}`));
}

/**
 * GetPodDNS: None → empty base; ClusterFirst (ClusterFirstWithHostNet for host-network pods) →
 * the cluster servers, `<ns>.svc.<domain> svc.<domain> <domain>` plus the host's searches,
 * ndots:5; Default (and ClusterFirst on the host network, or without cluster DNS) → the host's
 * resolv.conf. spec.dnsConfig is merged on top, then the result is cut to the resolver's limits.
 */
export function podDNSConfig(pod: V1Pod, dns: PodDNSSettings): { dnsConfig: DNSConfig; events: SandboxEvent[] } {
  const events: SandboxEvent[] = [];
  const host = dns.host;
  let cfg: DNSConfig = { servers: [...(host?.servers ?? [])], searches: [...(host?.searches ?? [])], options: [...(host?.options ?? [])] };
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  let type: 'none' | 'cluster' | 'host';
  if (policy === 'None') type = 'none';
  else if (policy === 'ClusterFirstWithHostNet') type = 'cluster';
  else if (policy === 'Default') type = 'host';
  else type = isHostNetworkPod(pod) ? 'host' : 'cluster';

  if (type === 'none') cfg = { servers: [], searches: [], options: [] };
  if (type === 'cluster' && dns.clusterDNS.length === 0) {
    events.push({
      type: 'Warning',
      reason: 'MissingClusterDNS',
      message: `pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
    });
    type = 'host';
  }
  if (type === 'cluster') {
    cfg.servers = [...dns.clusterDNS];
    if (dns.clusterDomain !== '') {
      const d = dns.clusterDomain;
      cfg.searches = omitDuplicates([`${pod.metadata.namespace}.svc.${d}`, `svc.${d}`, d, ...cfg.searches]);
    }
    cfg.options = ['ndots:5'];
  } else if (type === 'host' && host === undefined) {
    cfg.servers = (dns.nodeIPs ?? []).map((ip) => (ip.includes(':') ? '::1' : '127.0.0.1'));
    if (cfg.servers.length === 0) cfg.servers = ['127.0.0.1'];
    cfg.searches = ['.'];
  }

  const extra = pod.spec?.dnsConfig;
  if (extra) {
    cfg.servers = omitDuplicates([...cfg.servers, ...(extra.nameservers ?? [])]);
    cfg.searches = omitDuplicates([...cfg.searches, ...(extra.searches ?? [])]);
    cfg.options = mergeDNSOptions(cfg.options, extra.options ?? []);
  }

  if (cfg.servers.length > MAX_DNS_NAMESERVERS) {
    cfg.servers = cfg.servers.slice(0, MAX_DNS_NAMESERVERS);
    events.push({
      type: 'Warning',
      reason: 'DNSConfigForming',
      message: `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${cfg.servers.join(' ')}`,
    });
  }
  let searches = cfg.searches;
  let limited = false;
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_DNS_SEARCH_PATHS);
    limited = true;
  }
  while (searches.join(' ').length > MAX_DNS_SEARCH_LIST_CHARS) {
    searches = searches.slice(0, -1);
    limited = true;
  }
  if (limited) {
    events.push({
      type: 'Warning',
      reason: 'DNSConfigForming',
      message: `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(' ')}`,
    });
  }
  cfg.searches = searches;
  return { dnsConfig: cfg, events };
}

/**
 * The pod's hostname and domain: spec.hostname (else the pod name) cut to 63 characters without a
 * trailing '-' or '.'; domain `<subdomain>.<ns>.svc.<clusterDomain>` when spec.subdomain is set.
 */
export function podHostnameAndDomain(pod: V1Pod, clusterDomain: string): { hostname: string; domain: string } | { error: string } {
  let hostname = pod.metadata.name ?? '';
  const spec = pod.spec ?? {};
  if (spec.hostname) {
    const msgs = isDNS1123Label(spec.hostname);
    if (msgs.length) return { error: `pod Hostname "${spec.hostname}" is not a valid DNS label: ${msgs.join(';')}` };
    hostname = spec.hostname;
  }
  if (hostname.length > HOSTNAME_MAX_LEN) {
    const truncated = hostname.slice(0, HOSTNAME_MAX_LEN).replace(/[-.]+$/, '');
    if (truncated === '') return { error: `hostname for pod "${pod.metadata.name}" was invalid: "${hostname}"` };
    hostname = truncated;
  }
  let domain = '';
  if (spec.subdomain) {
    const msgs = isDNS1123Label(spec.subdomain);
    if (msgs.length) return { error: `pod Subdomain "${spec.subdomain}" is not a valid DNS label: ${msgs.join(';')}` };
    domain = `${spec.subdomain}.${pod.metadata.namespace}.svc.${clusterDomain}`;
  }
  return { hostname, domain };
}

function toProtocol(p: string | undefined): Protocol {
  return p === 'UDP' || p === 'SCTP' ? p : 'TCP';
}

/**
 * Every container port of every regular container as a CRI PortMapping (upstream's
 * MakePortMappings: duplicates by name, or by family/protocol/hostIP/ports, are dropped). The
 * runtime's portmap plugin publishes only those with a hostPort.
 */
export function podPortMappings(pod: V1Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const names = new Set<string>();
    for (const p of c.ports ?? []) {
      const hostIp = p.hostIP ?? '';
      const family = hostIp === '' ? 'any' : hostIp.includes(':') ? 'v6' : 'v4';
      const name = p.name || `${family}-${p.protocol ?? ''}-${hostIp}:${p.containerPort ?? 0}:${p.hostPort ?? 0}`;
      if (names.has(name)) continue;
      names.add(name);
      out.push({ protocol: toProtocol(p.protocol), containerPort: p.containerPort ?? 0, hostPort: p.hostPort ?? 0, hostIp });
    }
  }
  return out;
}

/** NamespacesForPod: host namespaces → NODE; pid POD with shareProcessNamespace, else CONTAINER. */
export function podNamespaceOptions(pod: V1Pod): NamespaceOption {
  return { network: networkNamespaceForPod(pod), pid: pidNamespaceForPod(pod), ipc: ipcNamespaceForPod(pod) };
}

/** A sysctl name in dots form (`net/ipv4/ip_forward` → `net.ipv4.ip_forward`, as upstream converts). */
export function normalizeSysctlName(name: string): string {
  const firstSep = name.search(/[./]/);
  if (firstSep === -1 || name[firstSep] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

/** The pod's log directory: `<logRoot>/<namespace>_<name>_<uid>`. */
export function podLogDirectory(logRoot: string, pod: V1Pod): string {
  return `${logRoot.replace(/\/+$/, '')}/${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`;
}

/** The sandbox's CRI config, or the error that prevents it (bad hostname, FQDN too long). */
export function podSandboxConfig(pod: V1Pod, opts: SandboxConfigOptions): SandboxConfigResult {
  const meta = pod.metadata;
  const spec = pod.spec ?? {};
  const { dnsConfig, events } = podDNSConfig(pod, opts.dns);
  let hostname = '';
  if (!isHostNetworkPod(pod)) {
    const hd = podHostnameAndDomain(pod, opts.dns.clusterDomain);
    if ('error' in hd) return { error: { message: hd.error } };
    hostname = hd.hostname;
    if (hd.domain !== '' && spec.setHostnameAsFQDN === true) {
      const fqdn = `${hd.hostname}.${hd.domain}`;
      if (fqdn.length > FQDN_MAX_LEN)
        return {
          error: {
            message: `failed to construct FQDN from pod hostname and cluster domain, FQDN ${fqdn} is too long (${FQDN_MAX_LEN} characters is the max, ${fqdn.length} characters requested)`,
          },
        };
      hostname = fqdn;
    }
  }

  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  labels[CRI_LABELS.podName] = meta.name ?? '';
  labels[CRI_LABELS.podNamespace] = meta.namespace ?? '';
  labels[CRI_LABELS.podUid] = meta.uid ?? '';

  const sc = spec.securityContext;
  const sysctls: Record<string, string> = {};
  for (const s of sc?.sysctls ?? []) if (s.name) sysctls[normalizeSysctlName(s.name)] = s.value ?? '';
  const supplementalGroups = [...(sc?.fsGroup !== undefined ? [sc.fsGroup] : []), ...(sc?.supplementalGroups ?? [])];
  const privileged = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].some(
    (c) => c.securityContext?.privileged === true,
  );
  const eff = podEffectiveResources(pod);

  const config: PodSandboxConfig = {
    metadata: { name: meta.name ?? '', uid: meta.uid ?? '', namespace: meta.namespace ?? '', attempt: opts.attempt },
    hostname,
    logDirectory: podLogDirectory(opts.logRoot, pod),
    dnsConfig,
    portMappings: podPortMappings(pod),
    labels,
    annotations: { ...(meta.annotations ?? {}) },
    linux: {
      cgroupParent: podCgroupParent(pod, opts.cgroupRoot ?? DEFAULT_CGROUP_ROOT),
      securityContext: {
        namespaceOptions: podNamespaceOptions(pod),
        ...(sc?.runAsUser !== undefined ? { runAsUser: { value: sc.runAsUser } } : {}),
        ...(sc?.runAsGroup !== undefined ? { runAsGroup: { value: sc.runAsGroup } } : {}),
        ...(supplementalGroups.length ? { supplementalGroups } : {}),
        privileged,
      },
      sysctls,
      resources: calculateLinuxResources(eff.cpuRequestMilli, eff.cpuLimitMilli, eff.memoryLimitBytes),
    },
  };
  return { config, events };
}
