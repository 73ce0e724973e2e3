/**
 * `flotilla server` configuration: flags (k3s names), environment, and a YAML config file with the
 * same keys, parsed once into one typed, validated ServerConfig. Precedence, highest first:
 * command-line flag, environment variable (FLOTILLA_*), config file, built-in default.
 *
 * The config file is either k3s style (a map of flag names to values, e.g. `tls-san: [a, b]`) or a
 * kubeadm `ClusterConfiguration` document like the one our production seed uses; its etcd,
 * networking, apiServer.bindPort/certSANs/extraArgs and controllerManager.extraArgs (the node lifecycle
 * and PodGC settings) fields map onto the same settings.
 *
 * `parseServerConfig` is pure: all outside state (environment, user, hostname, file reads) comes in
 * through ServerEnv. It throws UsageError for anything the operator must fix.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type FlagSpec, type FlagValue, UsageError, parseFlags, splitList } from './flags.js';
import { type Cidr, canonicalIp, cidrsOverlap, formatCidr, formatIp, hostBits, nthAddress, parseCidr } from '../lib/net.js';
import type { NodeTaint } from '../agent/node/node-objects.js';
import { parseNodeLabels, parseNodeTaints } from './node-flags.js';
import { DurationError, formatDuration, fromMillis, parseDuration, toMillis } from '../lib/duration/index.js';
import type { RegistriesConfig } from '../agent/runtime/containerd/config.js';
import { DEFAULT_PRIVATE_REGISTRY } from '../agent/runtime/registries-file.js';
import { registriesFromFlags } from './registry-flags.js';
import { type PortRangeSpec, parsePortRange } from '../apiserver/registry/service-alloc/port-range.js';

export const SERVER_COMMAND = 'flotilla server';

export type DatastoreConfig =
  | {
      kind: 'sqlite';
      /** As given or defaulted, e.g. `sqlite:///var/lib/flotilla/state.db`. */
      endpoint: string;
      /** Absolute path of the database file. */
      path: string;
    }
  | {
      kind: 'etcd';
      endpoint: string;
      /** Each `https://host:port` (or http) member URL. */
      endpoints: string[];
      caFile?: string;
      certFile?: string;
      keyFile?: string;
    };

export interface AuditConfig {
  /** Undefined: auditing off. `-` means stdout (upstream convention). */
  logPath?: string;
  maxAgeDays: number;
  maxBackups: number;
  maxSizeMB: number;
}

/** Settings of the in-process controller manager, under kube-controller-manager's flag names. */
export interface ControllerManagerConfig {
  /** --node-monitor-grace-period: a running node without heartbeats this long becomes Unknown. */
  nodeMonitorGracePeriodMs: number;
  /** --node-startup-grace-period: the same for a node that never posted Ready. */
  nodeStartupGracePeriodMs: number;
  /** --node-monitor-period: how often the node lifecycle controller checks node health. */
  nodeMonitorPeriodMs: number;
  /** --terminated-pod-gc-threshold: terminated pods kept before PodGC deletes the oldest; ≤ 0: never. */
  terminatedPodGcThreshold: number;
  /** --max-endpoints-per-slice: endpoints per EndpointSlice the EndpointSlice controller writes (1–1000). */
  maxEndpointsPerSlice: number;
}

export interface ServerConfig {
  bindAddress: string;
  /** 0 picks a free port (tests); the kubeconfig gets the real one. */
  securePort: number;
  /** Absolute. */
  dataDir: string;
  /** Absolute path of the admin kubeconfig. */
  writeKubeconfig: string;
  /** File mode of the kubeconfig, e.g. 0o600. */
  writeKubeconfigMode: number;
  /** Extra SANs for the serving certificate (DNS names or IPs), as given. */
  tlsSans: string[];
  datastore: DatastoreConfig;
  /** Pod subnets (one per IP family), canonical CIDR text. */
  clusterCidrs: string[];
  /** Service subnets (one per IP family), canonical CIDR text. */
  serviceCidrs: string[];
  /** ClusterIP of the `kubernetes` Service: the first address of each service subnet. */
  apiServiceIps: string[];
  /** --service-node-port-range (default 30000-32767). */
  serviceNodePortRange: PortRangeSpec;
  /** --min-request-timeout: watches without timeoutSeconds end after a random 1–2× this (seconds). */
  minRequestTimeoutSeconds: number;
  /**
   * --service-lb-pool: addresses LoadBalancer Services get (canonical CIDRs and IPs); empty: the
   * InternalIP of the nodes, as k3s' ServiceLB.
   */
  serviceLbPool: string[];
  /** Cluster DNS service IPs (default: the 10th address of the first service subnet). */
  clusterDns: string[];
  clusterDomain: string;
  audit: AuditConfig;
  /** As given (stored; enforcement is the admission chain's business). */
  enableAdmissionPlugins: string[];
  verbosity: number;
  disableAgent: boolean;
  /** The embedded node agent (ignored with disableAgent). */
  agent: EmbeddedAgentConfig;
  /** Do not run the scheduler in this process (k3s --disable-scheduler). */
  disableScheduler: boolean;
  /** Do not run the controller manager in this process (k3s --disable-controller-manager). */
  disableControllerManager: boolean;
  controllerManager: ControllerManagerConfig;
  /** The config file that was read, if any. */
  configFile?: string;
  /** `--token`: the join secret (the token's password part); absent: keep or create `<data-dir>/token`. */
  token?: string;
  /** The machine's hostname (for SANs and, later, the node name). */
  hostname: string;
  /** --authorization-mode (validated names, in order), --anonymous-auth, --token-auth-file (absolute). */
  auth: { authorizationModes: string[]; anonymous: boolean; tokenAuthFile?: string };
}

/** The node the server's own agent registers (k3s server's --node-* flags). */
export interface EmbeddedAgentConfig {
  /** Lowercased; default the hostname. */
  nodeName: string;
  nodeLabels: Record<string, string>;
  nodeTaints: NodeTaint[];
  nodeIP?: string;
  /** The pod network's Linux bridge (default flotilla0). */
  bridge: string;
  /** Port of the agent's HTTPS API (default 10250; 0 picks a free one). */
  kubeletPort: number;
  /** `--resolv-conf` (absolute). */
  resolvConf: string;
  /** `--proxy-mode` (or a KubeProxyConfiguration's mode); absent: nftables. */
  proxyMode?: string;
  /** `--private-registry` (or the default file when it exists) and `--disable-default-registry-endpoint`. */
  registries?: RegistriesConfig;
}

/** Everything parseServerConfig needs from the outside world. */
export interface ServerEnv {
  vars: Readonly<Record<string, string | undefined>>;
  isRoot: boolean;
  homeDir: string;
  cwd: string;
  hostname: string;
  /** Reads a config file; throws (any error) when it cannot. */
  readFile(path: string): string;
}

export interface ParsedServerConfig {
  config: ServerConfig;
  /** Non-fatal remarks to log at startup (ignored config-file documents...). */
  warnings: string[];
}

/** Marker result: the user asked for help. */
export interface HelpRequested {
  help: true;
}

const ADMISSION_PLUGINS = new Set([
  'AlwaysAdmit', 'AlwaysDeny', 'AlwaysPullImages', 'CertificateApproval', 'CertificateSigning',
  'CertificateSubjectRestriction', 'ClusterTrustBundleAttest', 'DefaultIngressClass', 'DefaultStorageClass',
  'DefaultTolerationSeconds', 'DenyServiceExternalIPs', 'EventRateLimit', 'ExtendedResourceToleration',
  'ImagePolicyWebhook', 'LimitPodHardAntiAffinityTopology', 'LimitRanger', 'MutatingAdmissionPolicy',
  'MutatingAdmissionWebhook', 'NamespaceAutoProvision', 'NamespaceExists', 'NamespaceLifecycle', 'NodeRestriction',
  'OwnerReferencesPermissionEnforcement', 'PersistentVolumeClaimResize', 'PodNodeSelector', 'PodSecurity',
  'PodTolerationRestriction', 'Priority', 'ResourceQuota', 'RuntimeClass', 'ServiceAccount',
  'StorageObjectInUseProtection', 'TaintNodesByCondition', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook',
]);

export const DEFAULTS = {
  bindAddress: '0.0.0.0',
  securePort: 6443,
  rootDataDir: '/var/lib/flotilla',
  clusterCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/16',
  serviceNodePortRange: '30000-32767',
  minRequestTimeoutSeconds: 1800,
  clusterDomain: 'cluster.local',
  writeKubeconfigMode: '0600',
  nodeMonitorGracePeriodMs: 40_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeMonitorPeriodMs: 5_000,
  terminatedPodGcThreshold: 12_500,
  maxEndpointsPerSlice: 100,
} as const;

/** A default as Go prints a time.Duration (`40s`, `1m0s`), as kube-controller-manager's help shows it. */
const goDuration = (ms: number) => formatDuration(fromMillis(ms));

/** The flags of `flotilla server`, in help order. */
export const SERVER_FLAGS: FlagSpec[] = [
  { name: 'config', short: 'c', type: 'string', valueName: 'file', description: 'Load configuration from a YAML file (k3s config.yaml keys, or a kubeadm ClusterConfiguration); flags win [$FLOTILLA_CONFIG_FILE]' },
  { name: 'data-dir', short: 'd', type: 'string', defaultText: '/var/lib/flotilla as root, ~/.flotilla otherwise', description: 'Folder holding state: PKI, SQLite database, kubeconfig [$FLOTILLA_DATA_DIR]' },
  { name: 'bind-address', type: 'string', defaultText: DEFAULTS.bindAddress, description: 'Address the API server listens on' },
  { name: 'secure-port', type: 'string', valueName: 'int', defaultText: String(DEFAULTS.securePort), description: 'HTTPS port of the API server (0 picks a free one)' },
  { name: 'token', short: 't', type: 'string', description: 'Secret part of the join token agents use (written to <data-dir>/token; random on first start) [$FLOTILLA_TOKEN]' },
  { name: 'tls-san', type: 'string', multiple: true, description: 'Additional hostname or IP as a Subject Alternative Name of the serving certificate (repeatable, comma-separated)' },
  { name: 'write-kubeconfig', short: 'o', type: 'string', valueName: 'file', defaultText: '<data-dir>/kubeconfig.yaml', description: 'Write the admin kubeconfig to this file [$FLOTILLA_KUBECONFIG_OUTPUT]' },
  { name: 'write-kubeconfig-mode', type: 'string', valueName: 'mode', defaultText: DEFAULTS.writeKubeconfigMode, description: 'File mode of the kubeconfig, octal [$FLOTILLA_KUBECONFIG_MODE]' },
  { name: 'datastore-endpoint', type: 'string', valueName: 'url', defaultText: 'sqlite://<data-dir>/state.db', description: 'sqlite://PATH, or etcd members https://h1:2379,https://h2:2379 [$FLOTILLA_DATASTORE_ENDPOINT]' },
  { name: 'datastore-cafile', type: 'string', valueName: 'file', description: 'CA bundle that verifies the etcd members [$FLOTILLA_DATASTORE_CAFILE]' },
  { name: 'datastore-certfile', type: 'string', valueName: 'file', description: 'Client certificate for etcd [$FLOTILLA_DATASTORE_CERTFILE]' },
  { name: 'datastore-keyfile', type: 'string', valueName: 'file', description: 'Client key for etcd [$FLOTILLA_DATASTORE_KEYFILE]' },
  { name: 'cluster-cidr', type: 'string', valueName: 'cidrs', defaultText: DEFAULTS.clusterCidr, description: 'Pod subnet(s), one per IP family, comma-separated' },
  { name: 'service-cidr', type: 'string', valueName: 'cidrs', defaultText: DEFAULTS.serviceCidr, description: 'Service ClusterIP subnet(s), one per IP family, comma-separated' },
  { name: 'service-node-port-range', type: 'string', valueName: 'range', defaultText: DEFAULTS.serviceNodePortRange, description: 'Ports reserved for NodePort and LoadBalancer Services (low-high, low+count or one port)' },
  { name: 'min-request-timeout', type: 'string', valueName: 'int', defaultText: String(DEFAULTS.minRequestTimeoutSeconds), description: 'Seconds a watch is kept open at least; each watch without timeoutSeconds ends after a random time between this and twice this, to spread reconnections' },
  { name: 'service-lb-pool', type: 'string', multiple: true, valueName: 'cidrs|ips', description: "Addresses given to LoadBalancer Services (CIDRs or IPs, comma-separated; default: the nodes' InternalIPs, as k3s ServiceLB)" },
  { name: 'cluster-dns', type: 'string', valueName: 'ips', defaultText: '10th address of the service subnet (10.96.0.10)', description: 'Cluster DNS service IP(s)' },
  { name: 'cluster-domain', type: 'string', defaultText: DEFAULTS.clusterDomain, description: 'Cluster domain' },
  { name: 'audit-log-path', type: 'string', valueName: 'file', description: 'Write audit events to this file (- for stdout); off when unset' },
  { name: 'audit-log-maxage', type: 'string', valueName: 'int', defaultText: '0', description: 'Days to keep old audit log files (0: no limit)' },
  { name: 'audit-log-maxbackup', type: 'string', valueName: 'int', defaultText: '0', description: 'Number of old audit log files to keep (0: no limit)' },
  { name: 'audit-log-maxsize', type: 'string', valueName: 'int', defaultText: '0', description: 'Megabytes before an audit log file is rotated (0: never)' },
  { name: 'enable-admission-plugins', type: 'string', valueName: 'strings', description: 'Admission plugins to enable in addition to the defaults, comma-separated' },
  { name: 'authorization-mode', type: 'string', valueName: 'strings', defaultText: 'Node,RBAC', description: 'Ordered authorizers, comma-separated: AlwaysAllow, AlwaysDeny, Node, RBAC' },
  { name: 'anonymous-auth', type: 'boolean', description: 'Serve requests without credentials as system:anonymous (default false: 401)' },
  { name: 'token-auth-file', type: 'string', valueName: 'file', description: 'Static bearer tokens, CSV lines token,user,uid,"group1,group2"' },
  { name: 'disable-agent', type: 'boolean', description: 'Do not run the node agent in this process' },
  { name: 'node-name', type: 'string', defaultText: 'hostname', description: "Name of the server's own node [$FLOTILLA_NODE_NAME]" },
  { name: 'node-label', type: 'string', multiple: true, valueName: 'key=value', description: "Label of the server's own node (repeatable)" },
  { name: 'node-taint', type: 'string', multiple: true, valueName: 'key[=value]:Effect', description: "Taint of the server's own node, applied when it registers (repeatable)" },
  { name: 'node-ip', short: 'i', type: 'string', description: "IP address the server's node advertises (default: the first non-loopback address)" },
  { name: 'bridge', type: 'string', defaultText: 'flotilla0', description: "Linux bridge of the node's pod network (distinct per node when several run on one host)" },
  { name: 'kubelet-port', type: 'string', valueName: 'int', defaultText: '10250', description: "Port of the node agent's API (logs, exec, port-forward); 0 picks a free one" },
  { name: 'proxy-mode', type: 'string', valueName: 'mode', defaultText: 'nftables', description: "Service proxy mode (kube-proxy's --proxy-mode): nftables; ipvs and iptables fall back to nftables with a log line" },
  { name: 'resolv-conf', type: 'string', valueName: 'file', defaultText: '/etc/resolv.conf', description: "Host resolver file of the server's node: dnsPolicy Default pods get it, cluster DNS forwards other names to its nameservers" },
  { name: 'private-registry', type: 'string', valueName: 'file', defaultText: DEFAULT_PRIVATE_REGISTRY, description: "Registry mirrors, credentials and TLS for the server's node (k3s registries.yaml format); the default is read only if it exists" },
  { name: 'disable-default-registry-endpoint', type: 'boolean', description: "Pull mirrored registries only from their mirror endpoints, never from the registry itself" },
  { name: 'disable-scheduler', type: 'boolean', description: 'Do not run the scheduler in this process' },
  { name: 'disable-controller-manager', type: 'boolean', description: 'Do not run the controller manager in this process' },
  { name: 'node-monitor-grace-period', type: 'string', valueName: 'duration', defaultText: goDuration(DEFAULTS.nodeMonitorGracePeriodMs), description: 'How long a running node may go without a heartbeat before it is marked unhealthy (Ready=Unknown)' },
  { name: 'node-startup-grace-period', type: 'string', valueName: 'duration', defaultText: goDuration(DEFAULTS.nodeStartupGracePeriodMs), description: 'How long a starting node may go without posting Ready before it is marked unhealthy' },
  { name: 'node-monitor-period', type: 'string', valueName: 'duration', defaultText: goDuration(DEFAULTS.nodeMonitorPeriodMs), description: 'How often the node lifecycle controller checks node health' },
  { name: 'terminated-pod-gc-threshold', type: 'string', valueName: 'int', defaultText: String(DEFAULTS.terminatedPodGcThreshold), description: 'Terminated pods that may exist before the pod garbage collector deletes the oldest (0 or less: never)' },
  { name: 'max-endpoints-per-slice', type: 'string', valueName: 'int32', defaultText: String(DEFAULTS.maxEndpointsPerSlice), description: 'The maximum number of endpoints that will be added to an EndpointSlice (1 to 1000)' },
  { name: 'v', short: 'v', type: 'string', valueName: 'int', defaultText: '0', description: 'Log verbosity (klog levels)' },
  { name: 'help', short: 'h', type: 'boolean', description: 'Help for server' },
];

/** Flags that may also come from the environment. */
const ENV_VARS: Record<string, string> = {
  config: 'FLOTILLA_CONFIG_FILE',
  'data-dir': 'FLOTILLA_DATA_DIR',
  token: 'FLOTILLA_TOKEN',
  'write-kubeconfig': 'FLOTILLA_KUBECONFIG_OUTPUT',
  'write-kubeconfig-mode': 'FLOTILLA_KUBECONFIG_MODE',
  'datastore-endpoint': 'FLOTILLA_DATASTORE_ENDPOINT',
  'datastore-cafile': 'FLOTILLA_DATASTORE_CAFILE',
  'datastore-certfile': 'FLOTILLA_DATASTORE_CERTFILE',
  'datastore-keyfile': 'FLOTILLA_DATASTORE_KEYFILE',
  'node-name': 'FLOTILLA_NODE_NAME',
};

/** Parses and validates. Returns `{ help: true }` for `--help`; throws UsageError on any mistake. */
export function parseServerConfig(argv: string[], env: ServerEnv): ParsedServerConfig | HelpRequested {
  const flags = parseFlags(argv, SERVER_FLAGS, SERVER_COMMAND);
  if (flags.values.get('help') === true) return { help: true };
  if (flags.positionals.length) throw new UsageError(`unexpected argument "${flags.positionals[0]}"`, SERVER_COMMAND);

  const warnings: string[] = [];
  const configPath = str(flags.values.get('config')) ?? nonEmpty(env.vars[ENV_VARS.config]);
  let file = new Map<string, FlagValue>();
  let configFile: string | undefined;
  if (configPath !== undefined) {
    configFile = resolve(env.cwd, configPath);
    let text: string;
    try {
      text = env.readFile(configFile);
    } catch (e) {
      throw new UsageError(`cannot read config file ${configFile}: ${(e as Error).message}`, SERVER_COMMAND);
    }
    file = parseConfigFile(text, configFile, warnings);
  }

  /** Flag > environment > config file. */
  const get = (name: string): FlagValue | undefined => {
    if (flags.values.has(name)) return flags.values.get(name);
    const envName = ENV_VARS[name];
    const fromEnv = envName ? nonEmpty(env.vars[envName]) : undefined;
    if (fromEnv !== undefined) return fromEnv;
    return file.get(name);
  };
  const getString = (name: string): string | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new UsageError(`--${name} takes a single value`, SERVER_COMMAND);
    return v;
  };
  const getList = (name: string): string[] | undefined => {
    const v = get(name);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') throw new UsageError(`--${name} takes a value`, SERVER_COMMAND);
    return splitList(Array.isArray(v) ? v : [v]);
  };
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(env.cwd, p));

  // Listener
  const bindAddress = getString('bind-address') ?? DEFAULTS.bindAddress;
  const bindIp = canonicalIp(bindAddress);
  if (bindIp === undefined) throw new UsageError(`invalid --bind-address "${bindAddress}": not an IP address`, SERVER_COMMAND);
  const securePort = parseIntFlag('secure-port', getString('secure-port'), DEFAULTS.securePort, 0, 65535);

  // Paths
  const dataDirText = getString('data-dir') ?? (env.isRoot ? DEFAULTS.rootDataDir : join(env.homeDir, '.flotilla'));
  if (dataDirText === '') throw new UsageError('--data-dir must not be empty', SERVER_COMMAND);
  const dataDir = abs(dataDirText);
  const writeKubeconfig = abs(getString('write-kubeconfig') || join(dataDir, 'kubeconfig.yaml'));
  const modeText = getString('write-kubeconfig-mode') ?? DEFAULTS.writeKubeconfigMode;
  if (!/^0?[0-7]{3}$/.test(modeText)) {
    throw new UsageError(`invalid --write-kubeconfig-mode "${modeText}": want an octal file mode such as 0600 or 644`, SERVER_COMMAND);
  }
  const writeKubeconfigMode = parseInt(modeText, 8);

  // Datastore
  const datastore = parseDatastore(
    getString('datastore-endpoint') || `sqlite://${join(dataDir, 'state.db')}`,
    {
      caFile: optionalPath(getString('datastore-cafile'), abs),
      certFile: optionalPath(getString('datastore-certfile'), abs),
      keyFile: optionalPath(getString('datastore-keyfile'), abs),
    },
    abs,
  );

  // Networks
  const clusterCidrs = parseCidrList('cluster-cidr', getList('cluster-cidr') ?? [DEFAULTS.clusterCidr]);
  const serviceCidrs = parseCidrList('service-cidr', getList('service-cidr') ?? [DEFAULTS.serviceCidr]);
  for (const s of serviceCidrs) {
    // kube-apiserver's limit: at most 20 host bits (IPv4 /12, IPv6 /108).
    const max = 20;
    if (hostBits(s) > max) {
      throw new UsageError(
        `--service-cidr ${formatCidr(s)} is too large: the prefix must be at least /${(s.family === 4 ? 32 : 128) - max}`,
        SERVER_COMMAND,
      );
    }
    if (hostBits(s) < 4) throw new UsageError(`--service-cidr ${formatCidr(s)} is too small for the kubernetes and DNS service IPs`, SERVER_COMMAND);
  }
  for (const p of clusterCidrs) {
    for (const s of serviceCidrs) {
      if (cidrsOverlap(p, s)) {
        throw new UsageError(`--cluster-cidr ${formatCidr(p)} overlaps --service-cidr ${formatCidr(s)}: pod and service subnets must be disjoint`, SERVER_COMMAND);
      }
    }
  }
  const apiServiceIps = serviceCidrs.map((s) => formatIp(nthAddress(s, 1)!));
  const portRange = parsePortRange(getString('service-node-port-range') ?? DEFAULTS.serviceNodePortRange);
  if (typeof portRange === 'string') throw new UsageError(`invalid --service-node-port-range: ${portRange}`, SERVER_COMMAND);
  const serviceLbPool = (getList('service-lb-pool') ?? []).map((entry) => {
    const cidr = entry.includes('/') ? parseCidr(entry) : undefined;
    const ip = entry.includes('/') ? undefined : canonicalIp(entry);
    if (!cidr && ip === undefined) throw new UsageError(`invalid --service-lb-pool "${entry}": neither an IP address nor a CIDR`, SERVER_COMMAND);
    const range = cidr ?? parseCidr(`${ip}/${ip!.includes(':') ? 128 : 32}`)!;
    for (const other of [...serviceCidrs, ...clusterCidrs]) {
      if (cidrsOverlap(range, other))
        throw new UsageError(`--service-lb-pool ${entry} overlaps ${formatCidr(other)}: load-balancer addresses must lie outside the pod and service subnets`, SERVER_COMMAND);
    }
    return cidr ? formatCidr(cidr) : ip!;
  });
  const dnsList = getList('cluster-dns');
  const clusterDns = dnsList
    ? dnsList.map((d) => {
        const ip = canonicalIp(d);
        if (ip === undefined) throw new UsageError(`invalid --cluster-dns "${d}": not an IP address`, SERVER_COMMAND);
        return ip;
      })
    : [formatIp(nthAddress(serviceCidrs[0], 10)!)];
  const clusterDomain = (getString('cluster-domain') ?? DEFAULTS.clusterDomain).replace(/\.$/, '');
  if (!isDnsSubdomain(clusterDomain)) throw new UsageError(`invalid --cluster-domain "${clusterDomain}": not a DNS name`, SERVER_COMMAND);

  // TLS SANs
  const tlsSans = getList('tls-san') ?? [];
  for (const san of tlsSans) {
    if (canonicalIp(san) === undefined && !isDnsSubdomain(san.replace(/^\*\./, ''))) {
      throw new UsageError(`invalid --tls-san "${san}": neither an IP address nor a DNS name`, SERVER_COMMAND);
    }
  }

  // Audit, admission, logging
  const auditPath = getString('audit-log-path');
  const audit: AuditConfig = {
    ...(auditPath ? { logPath: auditPath === '-' ? '-' : abs(auditPath) } : {}),
    maxAgeDays: parseIntFlag('audit-log-maxage', getString('audit-log-maxage'), 0, 0),
    maxBackups: parseIntFlag('audit-log-maxbackup', getString('audit-log-maxbackup'), 0, 0),
    maxSizeMB: parseIntFlag('audit-log-maxsize', getString('audit-log-maxsize'), 0, 0),
  };
  const enableAdmissionPlugins = getList('enable-admission-plugins') ?? [];
  for (const p of enableAdmissionPlugins) {
    if (!ADMISSION_PLUGINS.has(p)) throw new UsageError(`--enable-admission-plugins: unknown admission plugin "${p}"`, SERVER_COMMAND);
  }
  const verbosity = parseIntFlag('v', getString('v'), 0, 0, 10);
  const boolFlag = (name: string): boolean => {
    const v = get(name);
    if (v !== undefined && typeof v !== 'boolean') throw new UsageError(`--${name} is a boolean flag`, SERVER_COMMAND);
    return v === true;
  };
  const disableAgent = boolFlag('disable-agent');
  const nodeName = (getString('node-name') ?? env.hostname).toLowerCase();
  if (!disableAgent && !isDnsSubdomain(nodeName)) {
    throw new UsageError(`--node-name "${nodeName}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`, SERVER_COMMAND);
  }
  const nodeIP = getString('node-ip');
  if (nodeIP !== undefined && canonicalIp(nodeIP) === undefined) throw new UsageError(`--node-ip "${nodeIP}": not an IP address`, SERVER_COMMAND);
  const bridge = getString('bridge') ?? 'flotilla0';
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new UsageError(`--bridge "${bridge}": interface names are 1 to 15 letters, digits, '-', '_' or '.'`, SERVER_COMMAND);
  const agent: EmbeddedAgentConfig = {
    nodeName,
    bridge,
    kubeletPort: parseIntFlag('kubelet-port', getString('kubelet-port'), 10250, 0, 65535),
    nodeLabels: parseNodeLabels(getList('node-label') ?? [], SERVER_COMMAND),
    nodeTaints: parseNodeTaints(getList('node-taint') ?? [], SERVER_COMMAND),
    ...(nodeIP !== undefined ? { nodeIP: canonicalIp(nodeIP)! } : {}),
    resolvConf: abs(getString('resolv-conf') ?? '/etc/resolv.conf'),
  };
  const proxyMode = getString('proxy-mode');
  if (proxyMode !== undefined) {
    if (!['', 'nftables', 'iptables', 'ipvs'].includes(proxyMode)) throw new UsageError(`--proxy-mode "${proxyMode}": must be one of nftables, iptables, ipvs`, SERVER_COMMAND);
    agent.proxyMode = proxyMode;
  }
  if (!disableAgent) {
    const registryFile = getString('private-registry');
    const reg = registriesFromFlags(registryFile === undefined ? undefined : abs(registryFile), boolFlag('disable-default-registry-endpoint'), env.readFile, SERVER_COMMAND);
    if (reg.registries) agent.registries = reg.registries;
    warnings.push(...reg.warnings);
  }
  const disableScheduler = boolFlag('disable-scheduler');
  const disableControllerManager = boolFlag('disable-controller-manager');
  const controllerManager: ControllerManagerConfig = {
    nodeMonitorGracePeriodMs: parseDurationFlag('node-monitor-grace-period', getString('node-monitor-grace-period'), DEFAULTS.nodeMonitorGracePeriodMs),
    nodeStartupGracePeriodMs: parseDurationFlag('node-startup-grace-period', getString('node-startup-grace-period'), DEFAULTS.nodeStartupGracePeriodMs),
    nodeMonitorPeriodMs: parseDurationFlag('node-monitor-period', getString('node-monitor-period'), DEFAULTS.nodeMonitorPeriodMs),
    terminatedPodGcThreshold: parseInt32Flag('terminated-pod-gc-threshold', getString('terminated-pod-gc-threshold'), DEFAULTS.terminatedPodGcThreshold),
    maxEndpointsPerSlice: parseMaxEndpointsPerSlice(parseInt32Flag('max-endpoints-per-slice', getString('max-endpoints-per-slice'), DEFAULTS.maxEndpointsPerSlice)),
  };

  const config: ServerConfig = {
    bindAddress: bindIp,
    securePort,
    dataDir,
    writeKubeconfig,
    writeKubeconfigMode,
    tlsSans,
    datastore,
    clusterCidrs: clusterCidrs.map(formatCidr),
    serviceCidrs: serviceCidrs.map(formatCidr),
    apiServiceIps,
    serviceNodePortRange: portRange,
    minRequestTimeoutSeconds: parseMinRequestTimeout(parseInt32Flag('min-request-timeout', getString('min-request-timeout'), DEFAULTS.minRequestTimeoutSeconds)),
    serviceLbPool,
    clusterDns,
    clusterDomain,
    audit,
    enableAdmissionPlugins,
    verbosity,
    disableAgent,
    agent,
    disableScheduler,
    disableControllerManager,
    controllerManager,
    ...(configFile ? { configFile } : {}),
    ...(getString('token') ? { token: getString('token') } : {}),
    hostname: env.hostname,
    auth: parseAuthFlags(getList('authorization-mode'), boolFlag('anonymous-auth'), getString('token-auth-file'), abs),
  };
  return { config, warnings };
}

function str(v: FlagValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function optionalPath(v: string | undefined, abs: (p: string) => string): string | undefined {
  return v ? abs(v) : undefined;
}

function parseIntFlag(name: string, text: string | undefined, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return def;
  if (!/^[0-9]+$/.test(text.trim())) throw new UsageError(`invalid --${name} "${text}": not a whole number`, SERVER_COMMAND);
  const n = Number(text.trim());
  if (n < min || n > max) throw new UsageError(`invalid --${name} ${n}: must be between ${min} and ${max}`, SERVER_COMMAND);
  return n;
}

/** A Go duration (`40s`, `1m30s`) that must be positive; milliseconds. */
function parseDurationFlag(name: string, text: string | undefined, defMs: number): number {
  if (text === undefined) return defMs;
  let ms: number;
  try {
    ms = toMillis(parseDuration(text.trim()));
  } catch (e) {
    if (e instanceof DurationError) throw new UsageError(`invalid --${name} "${text}": ${e.message}`, SERVER_COMMAND);
    throw e;
  }
  if (!(ms > 0)) throw new UsageError(`invalid --${name} "${text}": must be greater than zero`, SERVER_COMMAND);
  return ms;
}

/** A signed whole number in Go's int32 range (kube-controller-manager's int32 flags). */
function parseInt32Flag(name: string, text: string | undefined, def: number): number {
  if (text === undefined) return def;
  if (!/^-?[0-9]+$/.test(text.trim())) throw new UsageError(`invalid --${name} "${text}": not a whole number`, SERVER_COMMAND);
  const n = Number(text.trim());
  if (n < -(2 ** 31) || n > 2 ** 31 - 1) throw new UsageError(`invalid --${name} ${text.trim()}: out of range`, SERVER_COMMAND);
  return n;
}

/** kube-apiserver's ServerRunOptions.Validate rule and message. */
function parseMinRequestTimeout(n: number): number {
  if (n < 0) throw new UsageError('--min-request-timeout can not be negative value', SERVER_COMMAND);
  return n;
}

/** kube-controller-manager's EndpointSliceControllerOptions.Validate bounds and messages. */
function parseMaxEndpointsPerSlice(n: number): number {
  if (n < 1) throw new UsageError(`max-endpoints-per-slice must not be less than 1, but got ${n}`, SERVER_COMMAND);
  if (n > 1000) throw new UsageError(`max-endpoints-per-slice must not be more than 1000, but got ${n}`, SERVER_COMMAND);
  return n;
}

function parseCidrList(name: string, texts: string[]): Cidr[] {
  if (texts.length === 0) throw new UsageError(`--${name} must not be empty`, SERVER_COMMAND);
  const out: Cidr[] = [];
  for (const t of texts) {
    const c = parseCidr(t);
    if (!c) throw new UsageError(`invalid --${name} "${t}": not a CIDR such as 10.0.0.0/16`, SERVER_COMMAND);
    if (out.some((o) => o.family === c.family)) {
      throw new UsageError(`--${name} "${texts.join(',')}": at most one subnet per IP family`, SERVER_COMMAND);
    }
    out.push(c);
  }
  return out;
}

function parseDatastore(
  endpoint: string,
  tls: { caFile?: string; certFile?: string; keyFile?: string },
  abs: (p: string) => string,
): DatastoreConfig {
  const bad = (why: string) => new UsageError(`invalid --datastore-endpoint "${endpoint}": ${why}`, SERVER_COMMAND);
  if (endpoint.startsWith('sqlite://')) {
    const rest = endpoint.slice('sqlite://'.length).replace(/\?.*$/, '');
    if (!rest) throw bad('no database path');
    if (tls.caFile || tls.certFile || tls.keyFile) throw bad('--datastore-cafile/certfile/keyfile apply to etcd only');
    return { kind: 'sqlite', endpoint, path: abs(rest) };
  }
  const members = endpoint.split(',').map((m) => m.trim()).filter(Boolean);
  if (members.length === 0) throw bad('empty');
  const endpoints: string[] = [];
  for (const m of members) {
    let url: URL;
    try {
      url = new URL(m);
    } catch {
      throw bad(`"${m}" is not a URL; use sqlite://PATH or https://host:2379`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw bad(`unsupported scheme "${url.protocol.replace(/:$/, '')}"; use sqlite://PATH or etcd https://host:2379`);
    }
    if (!url.hostname) throw bad(`"${m}" has no host`);
    if (!url.port) throw bad(`"${m}" has no port (etcd clients usually use 2379)`);
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.username) throw bad(`"${m}": only scheme, host and port are allowed`);
    endpoints.push(`${url.protocol}//${url.host}`);
  }
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new UsageError('--datastore-certfile and --datastore-keyfile must be given together', SERVER_COMMAND);
  }
  return { kind: 'etcd', endpoint: endpoints.join(','), endpoints, ...tls };
}

function isDnsSubdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((l) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i.test(l));
}

/** Config-file keys: every flag except these. */
const NOT_IN_FILE = new Set(['config', 'help']);
const FILE_KEYS = new Set(SERVER_FLAGS.map((f) => f.name).filter((n) => !NOT_IN_FILE.has(n)));

/**
 * Reads a config file into flag-name → value. k3s style: a single YAML map of flag names. kubeadm
 * style: a ClusterConfiguration document (other documents, e.g. KubeProxyConfiguration, are skipped
 * with a warning).
 */
export function parseConfigFile(text: string, path: string, warnings: string[]): Map<string, FlagValue> {
  const docs = parseAllDocuments(text);
  const out = new Map<string, FlagValue>();
  const fail = (why: string) => new UsageError(`config file ${path}: ${why}`, SERVER_COMMAND);
  for (const doc of docs) {
    if (doc.errors.length) throw fail(doc.errors[0].message.split('\n')[0]);
    const data: unknown = doc.toJS();
    if (data === null || data === undefined) continue;
    if (typeof data !== 'object' || Array.isArray(data)) throw fail('expected a map of settings');
    const obj = data as Record<string, unknown>;
    if (typeof obj.kind === 'string') {
      if (obj.kind === 'ClusterConfiguration') fromClusterConfiguration(obj, out, fail);
      else if (obj.kind === 'KubeProxyConfiguration') {
        // Its mode is honoured (ipvs and iptables fall back to nftables, with a log line at start);
        // the other kube-proxy settings have no equivalent here.
        if (typeof obj.mode === 'string' && obj.mode) out.set('proxy-mode', obj.mode);
        warnings.push(`config file ${path}: KubeProxyConfiguration: only "mode" is used`);
      } else warnings.push(`config file ${path}: ignoring ${obj.kind} document`);
      continue;
    }
    for (const [key, value] of Object.entries(obj)) {
      if (!FILE_KEYS.has(key)) throw fail(`unknown key "${key}"`);
      out.set(key, fileValue(key, value, fail));
    }
  }
  return out;
}

function fileValue(key: string, value: unknown, fail: (why: string) => Error): FlagValue {
  const spec = SERVER_FLAGS.find((f) => f.name === key)!;
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw fail(`"${key}" must be true or false`);
    return value;
  }
  if (Array.isArray(value)) {
    if (!value.every((v) => typeof v === 'string' || typeof v === 'number')) throw fail(`"${key}" must be a list of strings`);
    return value.map(String);
  }
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw fail(`"${key}" must be a string`);
}

/** Maps the fields of a kubeadm ClusterConfiguration that a Flotilla server has equivalents for. */
function fromClusterConfiguration(cc: Record<string, unknown>, out: Map<string, FlagValue>, fail: (why: string) => Error): void {
  const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  const external = obj(obj(cc.etcd).external);
  const endpoints = strings(external.endpoints);
  if (endpoints.length) out.set('datastore-endpoint', endpoints.join(','));
  if (typeof external.caFile === 'string') out.set('datastore-cafile', external.caFile);
  if (typeof external.certFile === 'string') out.set('datastore-certfile', external.certFile);
  if (typeof external.keyFile === 'string') out.set('datastore-keyfile', external.keyFile);
  const net = obj(cc.networking);
  if (typeof net.serviceSubnet === 'string') out.set('service-cidr', net.serviceSubnet);
  if (typeof net.podSubnet === 'string') out.set('cluster-cidr', net.podSubnet);
  if (typeof net.dnsDomain === 'string') out.set('cluster-domain', net.dnsDomain);
  const api = obj(cc.apiServer);
  const sans = strings(api.certSANs);
  if (typeof cc.controlPlaneEndpoint === 'string' && cc.controlPlaneEndpoint) {
    const host = cc.controlPlaneEndpoint.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    if (!sans.includes(host)) sans.unshift(host);
  }
  if (sans.length) out.set('tls-san', sans);
  if (api.bindPort !== undefined) out.set('secure-port', String(api.bindPort));
  for (const [key, value] of Object.entries(obj(api.extraArgs))) {
    if (!FILE_KEYS.has(key)) throw fail(`apiServer.extraArgs "${key}" is not supported by flotilla server`);
    out.set(key, fileValue(key, value, fail));
  }
  // The controller manager's settings that Flotilla has; others (bind-address of its own
  // listener...) have no equivalent in one process and are left out, as before.
  for (const [key, value] of Object.entries(obj(obj(cc.controllerManager).extraArgs))) {
    if (CONTROLLER_MANAGER_KEYS.has(key)) out.set(key, fileValue(key, value, fail));
  }
}

const CONTROLLER_MANAGER_KEYS = new Set(['node-monitor-grace-period', 'node-startup-grace-period', 'node-monitor-period', 'terminated-pod-gc-threshold', 'max-endpoints-per-slice']);

/** The pod/service subnet and DNS facts other components need, derived from the config. */
export function describeNetworks(c: ServerConfig): string {
  return `pods ${c.clusterCidrs.join(',')}, services ${c.serviceCidrs.join(',')}, dns ${c.clusterDns.join(',')}`;
}

/** --authorization-mode (default Node,RBAC: kubeadm's), --anonymous-auth, --token-auth-file. */
function parseAuthFlags(modes: string[] | undefined, anonymous: boolean, tokenFile: string | undefined, abs: (p: string) => string): ServerConfig['auth'] {
  const list = modes ?? ['Node', 'RBAC'];
  const known = ['AlwaysAllow', 'AlwaysDeny', 'Node', 'RBAC'];
  if (list.length === 0) throw new UsageError('--authorization-mode: at least one authorization-mode must be passed', SERVER_COMMAND);
  for (const [i, m] of list.entries()) {
    if (!known.includes(m)) throw new UsageError(`--authorization-mode: authorization-mode ${JSON.stringify(m)} is not a valid mode`, SERVER_COMMAND);
    if (list.indexOf(m) !== i) throw new UsageError(`--authorization-mode: authorization-mode ${JSON.stringify(m)} has mode specified more than once`, SERVER_COMMAND);
  }
  return { authorizationModes: list, anonymous, ...(tokenFile ? { tokenAuthFile: abs(tokenFile) } : {}) };
}
