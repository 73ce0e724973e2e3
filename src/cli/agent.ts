/**
 * `flotilla agent`: joins this machine to a cluster as a node and runs its pods (k3s agent's
 * flags). With `--server URL --token TOKEN` it joins through the server's token endpoint (the node
 * gets its own client certificate, kept in `<data-dir>/agent/`); with `--kubeconfig` it uses that
 * identity instead (cluster networks then come from the flags). Runs until SIGINT/SIGTERM; pods keep
 * running when the agent stops, and the next start adopts them.
 *
 * Exit codes: 0 stopped by a signal, 1 start-up failure (not root, join refused, containerd
 * missing...), 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { isDNS1123Subdomain } from '../api/validation/names.js';
import { KUBERNETES_MINOR } from '../apiserver/version.js';
import type { Client } from '../client/types.js';
import { createLogger, formatLogRecord, type Logger } from '../lib/log.js';
import { parseCidr } from '../lib/net.js';
import type { AgentClusterSettings, AgentOptions, RunningAgent } from '../agent/agent.js';
import type { RegistriesConfig } from '../agent/runtime/containerd/config.js';
import { DEFAULT_PRIVATE_REGISTRY } from '../agent/runtime/registries-file.js';
import { registriesFromFlags } from './registry-flags.js';
import { type FlagSpec, UsageError, parseFlags, renderHelp, splitList } from './flags.js';
import { parseNodeLabels, parseNodeTaints } from './node-flags.js';
import { forbiddenNodeLabels } from '../apiserver/admission/plugins/node-restriction.js';
import type { CommandIo } from './server.js';

export const AGENT_COMMAND = 'flotilla agent';

export const AGENT_FLAGS: FlagSpec[] = [
  { name: 'server', short: 's', type: 'string', valueName: 'url', description: 'Server to join, e.g. https://10.0.0.1:6443 [$FLOTILLA_URL]' },
  { name: 'token', short: 't', type: 'string', description: 'Join token printed by the server (<server data-dir>/token) [$FLOTILLA_TOKEN]' },
  { name: 'kubeconfig', type: 'string', description: 'Use this identity instead of joining with a token' },
  { name: 'data-dir', short: 'd', type: 'string', defaultText: '/var/lib/flotilla', description: 'Folder for containerd, pod network and volumes [$FLOTILLA_DATA_DIR]' },
  { name: 'node-name', type: 'string', defaultText: 'hostname', description: 'Node name [$FLOTILLA_NODE_NAME]' },
  { name: 'node-label', type: 'string', multiple: true, valueName: 'key=value', description: 'Label of the node (repeatable)' },
  { name: 'node-taint', type: 'string', multiple: true, valueName: 'key[=value]:Effect', description: 'Taint of the node, applied when it registers (repeatable)' },
  { name: 'node-ip', short: 'i', type: 'string', description: 'IP address the node advertises (default: the first non-loopback address)' },
  { name: 'bridge', type: 'string', defaultText: 'flotilla0', description: 'Linux bridge of the pod network (distinct per agent on one host)' },
  { name: 'kubelet-port', type: 'string', valueName: 'int', defaultText: '10250', description: 'Port of the agent API (logs, exec, port-forward) advertised in the Node' },
  { name: 'cluster-cidr', type: 'string', multiple: true, valueName: 'strings', description: 'Pod networks (only with --kubeconfig; joining learns them from the server)' },
  { name: 'service-cidr', type: 'string', multiple: true, valueName: 'strings', description: 'Service networks (only with --kubeconfig)' },
  { name: 'cluster-dns', type: 'string', multiple: true, valueName: 'strings', description: 'Cluster DNS servers (only with --kubeconfig)' },
  { name: 'cluster-domain', type: 'string', defaultText: 'cluster.local', description: 'Cluster domain (only with --kubeconfig)' },
  { name: 'resolv-conf', type: 'string', valueName: 'file', defaultText: '/etc/resolv.conf', description: "Host resolver file: dnsPolicy Default pods get it, cluster DNS forwards other names to its nameservers (a file without nameservers: no forwarding)" },
  { name: 'private-registry', type: 'string', valueName: 'file', defaultText: DEFAULT_PRIVATE_REGISTRY, description: 'Registry mirrors, credentials and TLS (k3s registries.yaml format); the default is read only if it exists' },
  { name: 'disable-default-registry-endpoint', type: 'boolean', description: "Pull mirrored registries only from their mirror endpoints, never from the registry itself" },
  { name: 'v', short: 'v', type: 'string', valueName: 'int', defaultText: '0', description: 'Log verbosity' },
  { name: 'help', short: 'h', type: 'boolean', description: 'Help for agent' },
];

export interface AgentEnv {
  FLOTILLA_URL?: string;
  FLOTILLA_TOKEN?: string;
  FLOTILLA_DATA_DIR?: string;
  FLOTILLA_NODE_NAME?: string;
  isRoot: boolean;
  hostname?: string;
  /** Reads a file (the registries file); default: the file system. Throws Node's errors. */
  readFile?(path: string): string;
}

export interface AgentConfig {
  dataDir: string;
  /**
   * Requested labels the node may not set on itself under NodeRestriction (node-role.kubernetes.io/*...):
   * the server applies them on join. Not part of nodeLabels.
   */
  serverLabels: Record<string, string>;
  auth: { kind: 'token'; server: string; token: string } | { kind: 'kubeconfig'; path: string; cluster: AgentClusterSettings };
  nodeName: string;
  nodeLabels: Record<string, string>;
  nodeTaints: AgentOptions['nodeTaints'];
  nodeIP?: string;
  bridge: string;
  kubeletPort: number;
  verbosity: number;
  /** `--resolv-conf` (absolute; default /etc/resolv.conf). */
  resolvConf: string;
  /** From `--private-registry` and `--disable-default-registry-endpoint`; absent: none. */
  registries?: RegistriesConfig;
  /** Remarks about the registries file to log at start (ignored rewrites...). */
  warnings: string[];
}

/**
 * Splits requested node labels into those the node may set on itself and those NodeRestriction
 * keeps from it (the kubelet refuses these in --node-labels; joining with a token, the server
 * applies them instead).
 */
export function splitNodeLabels(labels: Record<string, string>): { own: Record<string, string>; server: Record<string, string> } {
  const restricted = new Set(forbiddenNodeLabels(Object.keys(labels)));
  const own: Record<string, string> = {};
  const server: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) (restricted.has(k) ? server : own)[k] = v;
  return { own, server };
}

/** The kubelet's refusal of restricted --node-labels (cmd/kubelet/app/options). */
export function restrictedLabelsMessage(keys: string[]): string {
  return (
    `unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-label: [${keys.join(' ')}]; ` +
    `--node-label in the 'kubernetes.io' namespace must begin with an allowed prefix (kubelet.kubernetes.io, node.kubernetes.io) or be in the specifically allowed set ` +
    `(beta.kubernetes.io/arch, beta.kubernetes.io/instance-type, beta.kubernetes.io/os, failure-domain.beta.kubernetes.io/region, failure-domain.beta.kubernetes.io/zone, kubernetes.io/arch, kubernetes.io/hostname, kubernetes.io/os, node.kubernetes.io/instance-type, topology.kubernetes.io/region, topology.kubernetes.io/zone); ` +
    `join with --token to have the server apply them`
  );
}

export function agentHelp(): string {
  return renderHelp({
    description: 'Run a Flotilla node agent: join a cluster and run the pods bound to this node with containerd, runc and the CNI plugins (needs root).',
    usage: [`${AGENT_COMMAND} --server URL --token TOKEN [flags]`, `${AGENT_COMMAND} --kubeconfig FILE [flags]`],
    sections: [
      {
        title: 'Examples',
        lines: [
          '# Join with the token the server wrote to <data-dir>/token',
          `${AGENT_COMMAND} --server https://10.0.0.1:6443 --token "$(cat /var/lib/flotilla/token)"`,
          '',
          "# The seed's worker node",
          `${AGENT_COMMAND} --server https://10.0.0.1:6443 --token K10... --node-name worker-node-1 \\`,
          '    --node-label node.kubernetes.io/instance-type=c5.2xlarge --node-label topology.kubernetes.io/zone=us-west-2a \\',
          '    --node-label workload-type=compute-optimized --node-taint workload-type=compute-optimized:NoSchedule',
        ],
      },
    ],
    specs: AGENT_FLAGS,
  });
}

export function parseAgentConfig(argv: string[], env: AgentEnv): AgentConfig | { help: true } {
  const { values, positionals } = parseFlags(argv, AGENT_FLAGS, AGENT_COMMAND);
  if (values.get('help') === true) return { help: true };
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, AGENT_COMMAND);
  const str = (n: string): string | undefined => {
    const v = values.get(n);
    return typeof v === 'string' ? v : undefined;
  };
  const list = (n: string): string[] => {
    const v = values.get(n);
    return Array.isArray(v) ? splitList(v) : [];
  };
  const fail = (m: string): never => {
    throw new UsageError(m, AGENT_COMMAND);
  };
  const int = (n: string, def: string, min: number, max: number): number => {
    const raw = str(n) ?? def;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) fail(`invalid argument "${raw}" for "--${n}" flag: must be an integer between ${min} and ${max}`);
    return Number(raw);
  };
  const nodeName = (str('node-name') ?? env.FLOTILLA_NODE_NAME ?? env.hostname ?? hostname()).toLowerCase();
  if (isDNS1123Subdomain(nodeName).length) fail(`--node-name "${nodeName}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`);
  const bridge = str('bridge') ?? 'flotilla0';
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) fail(`--bridge "${bridge}": interface names are 1 to 15 letters, digits, '-', '_' or '.'`);
  const nodeIP = str('node-ip');
  if (nodeIP !== undefined && !parseCidr(`${nodeIP}/${nodeIP.includes(':') ? 128 : 32}`)) fail(`--node-ip "${nodeIP}": not an IP address`);
  const kubeconfig = str('kubeconfig');
  const server = str('server') ?? env.FLOTILLA_URL;
  const token = str('token') ?? env.FLOTILLA_TOKEN;
  let auth: AgentConfig['auth'];
  if (kubeconfig) {
    const cidrs = (n: string) => {
      const out = list(n);
      for (const c of out) if (!parseCidr(c)) fail(`--${n} "${c}": invalid CIDR address`);
      return out;
    };
    const clusterCIDRs = cidrs('cluster-cidr');
    const serviceCIDRs = cidrs('service-cidr');
    if (!clusterCIDRs.length || !serviceCIDRs.length) fail('with --kubeconfig, --cluster-cidr and --service-cidr are required (joining with --token learns them from the server)');
    auth = { kind: 'kubeconfig', path: kubeconfig, cluster: { clusterCIDRs, serviceCIDRs, clusterDNS: list('cluster-dns'), clusterDomain: str('cluster-domain') ?? 'cluster.local' } };
  } else {
    if (!server) fail('--server is required (or --kubeconfig)');
    if (!token) fail('--token is required to join (the server writes it to <data-dir>/token)');
    if (!/^https:\/\//.test(server!)) fail(`--server "${server}": must be an https:// URL`);
    auth = { kind: 'token', server: server!, token: token! };
  }
  const { own, server: serverLabels } = splitNodeLabels(parseNodeLabels(list('node-label'), AGENT_COMMAND));
  if (auth.kind === 'kubeconfig' && Object.keys(serverLabels).length) fail(restrictedLabelsMessage(Object.keys(serverLabels)));
  const registryFile = str('private-registry');
  const reg = registriesFromFlags(registryFile, values.get('disable-default-registry-endpoint') === true, env.readFile ?? ((p) => readFileSync(p, 'utf8')), AGENT_COMMAND);
  const cfg: AgentConfig = {
    dataDir: str('data-dir') ?? env.FLOTILLA_DATA_DIR ?? '/var/lib/flotilla',
    serverLabels,
    auth,
    nodeName,
    nodeLabels: own,
    nodeTaints: parseNodeTaints(list('node-taint'), AGENT_COMMAND),
    bridge,
    kubeletPort: int('kubelet-port', '10250', 0, 65535),
    verbosity: int('v', '0', 0, 10),
    resolvConf: resolvePath(str('resolv-conf') ?? '/etc/resolv.conf'),
    warnings: reg.warnings,
  };
  if (nodeIP) cfg.nodeIP = nodeIP;
  if (reg.registries) cfg.registries = reg.registries;
  return cfg;
}

export interface AgentDeps {
  joinCluster(opts: { server: string; token: string; nodeName: string; dataDir: string; serverLabels?: Record<string, string> }): Promise<{ kubeconfigPath: string; cluster: AgentClusterSettings; warnings: string[] }>;
  /** A client for the kubeconfig's identity, and the cluster CA it trusts (PEM). */
  connect(kubeconfigPath: string, userAgent: string): Promise<{ client: Client; caPem: string }>;
  startAgent(opts: AgentOptions): Promise<RunningAgent>;
  onSignal(handler: (signal: string) => void): () => void;
}

/** The options startAgent gets from a parsed config and a client (shared with the server's embedded agent). */
export function agentOptions(
  cfg: Pick<AgentConfig, 'dataDir' | 'nodeName' | 'nodeLabels' | 'nodeTaints' | 'nodeIP' | 'bridge' | 'kubeletPort' | 'registries' | 'resolvConf'> & { proxyMode?: string },
  conn: { client: Client; caPem: string },
  cluster: AgentClusterSettings,
  logger: Logger,
): AgentOptions {
  return {
    dataDir: cfg.dataDir,
    client: conn.client,
    clusterCaPem: conn.caPem,
    nodeName: cfg.nodeName,
    nodeLabels: cfg.nodeLabels,
    nodeTaints: cfg.nodeTaints,
    ...(cfg.nodeIP ? { nodeIP: cfg.nodeIP } : {}),
    cluster,
    bridge: cfg.bridge,
    kubeletPort: cfg.kubeletPort,
    kubeletVersion: `v1.${KUBERNETES_MINOR}.0+flotilla`,
    ...(cfg.registries ? { registries: cfg.registries } : {}),
    resolvConf: cfg.resolvConf,
    ...(cfg.proxyMode !== undefined ? { proxyMode: cfg.proxyMode } : {}),
    logger,
  };
}

export async function agentCommand(argv: string[], env: AgentEnv, deps: AgentDeps, io: CommandIo): Promise<number> {
  const parsed = parseAgentConfig(argv, env);
  if ('help' in parsed) {
    io.stdout(agentHelp());
    return 0;
  }
  const cfg = parsed;
  if (!env.isRoot) {
    io.stderr('Error: the node agent needs root (containerd, runc, network namespaces and routes)\n');
    return 1;
  }
  const logger = createLogger((r) => io.stderr(formatLogRecord(r) + '\n'), { verbosity: cfg.verbosity });
  for (const w of cfg.warnings) logger.warn(w);
  let conn: { client: Client; caPem: string };
  let cluster: AgentClusterSettings;
  try {
    if (cfg.auth.kind === 'token') {
      io.stdout(`joining ${cfg.auth.server} as node ${cfg.nodeName}\n`);
      const joined = await deps.joinCluster({ server: cfg.auth.server, token: cfg.auth.token, nodeName: cfg.nodeName, dataDir: cfg.dataDir, serverLabels: cfg.serverLabels });
      if (Object.keys(cfg.serverLabels).length) io.stdout(`the server applies ${Object.keys(cfg.serverLabels).join(', ')} (a node may not set them on itself)\n`);
      for (const w of joined.warnings) logger.warn(w);
      conn = await deps.connect(joined.kubeconfigPath, `flotilla-agent/${cfg.nodeName}`);
      cluster = joined.cluster;
    } else {
      conn = await deps.connect(cfg.auth.path, `flotilla-agent/${cfg.nodeName}`);
      cluster = cfg.auth.cluster;
    }
  } catch (e) {
    io.stderr(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let signalled = false;
  let wake: (() => void) | undefined;
  const off = deps.onSignal((sig) => {
    if (signalled) {
      io.stderr(`Received ${sig} again, exiting immediately\n`);
      process.exit(1);
    }
    signalled = true;
    logger.child('agent').info('received signal; stopping (pods keep running)', { signal: sig });
    wake?.();
  });
  let agent: RunningAgent;
  try {
    io.stdout(`starting containerd and the pod network under ${join(cfg.dataDir, 'containerd')}\n`);
    agent = await deps.startAgent(agentOptions(cfg, conn, cluster, logger));
  } catch (e) {
    off();
    io.stderr(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  io.stdout(`node ${cfg.nodeName} is running; Ctrl-C to stop (pods keep running)\n`);
  const keepAlive = setInterval(() => {}, 1 << 30);
  if (!signalled) await new Promise<void>((r) => (wake = r));
  clearInterval(keepAlive);
  await agent.stop();
  off();
  io.stdout('agent stopped\n');
  return 0;
}
