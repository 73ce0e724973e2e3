/**
 * `flotilla sim`: simulated nodes (like kwok) as a separate process that connects as any client.
 * Registers N nodes P0..P(N-1), keeps their leases and conditions fresh and runs the pods bound to
 * them (src/sim). On SIGINT/SIGTERM it stops heartbeating and exits 0, leaving the nodes to look
 * dead (as machines that died) unless `--cleanup` is given.
 *
 * Exit codes: 0 stopped by a signal, 1 runtime failure (no kubeconfig, server unreachable,
 * registration failed), 2 usage error.
 */
import { isValidLabelValue } from '../api/validation/names.js';
import { KUBERNETES_MINOR } from '../apiserver/version.js';
import { R, type Client } from '../client/types.js';
import { parseDuration, toMillis } from '../lib/duration/index.js';
import { createLogger, formatLogRecord } from '../lib/log.js';
import { parseQuantity } from '../lib/quantity/index.js';
import type { NodeTemplate } from '../sim/node-template.js';
import { type SimulatorOptions, Simulator } from '../sim/simulator.js';
import { type FlagSpec, UsageError, parseFlags, renderHelp, splitList } from './flags.js';
import type { CommandIo } from './server.js';
import { parseNodeLabels, parseNodeTaints } from './node-flags.js';

export const SIM_COMMAND = 'flotilla sim';

export const SIM_FLAGS: FlagSpec[] = [
  { name: 'kubeconfig', type: 'string', valueName: 'string', description: 'Kubeconfig of the cluster to join (default $KUBECONFIG)' },
  { name: 'nodes', type: 'string', valueName: 'int', defaultText: '3', description: 'Number of nodes to simulate' },
  { name: 'name-prefix', type: 'string', defaultText: 'sim-node-', description: 'Node names are <prefix>0 .. <prefix>N-1' },
  { name: 'cpu', type: 'string', valueName: 'quantity', defaultText: '8', description: 'CPU capacity and allocatable of each node' },
  { name: 'memory', type: 'string', valueName: 'quantity', defaultText: '32Gi', description: 'Memory capacity and allocatable of each node' },
  { name: 'pods', type: 'string', valueName: 'int', defaultText: '110', description: 'Pod capacity of each node' },
  { name: 'zones', type: 'string', multiple: true, valueName: 'strings', description: 'Spread topology.kubernetes.io/zone over these zones, round-robin' },
  { name: 'node-label', type: 'string', multiple: true, valueName: 'key=value', description: 'Extra label on every node (repeatable)' },
  { name: 'node-taint', type: 'string', multiple: true, valueName: 'key[=value]:Effect', description: 'Taint on every node (repeatable)' },
  { name: 'arch', type: 'string', defaultText: 'amd64', description: 'kubernetes.io/arch of the nodes' },
  { name: 'job-duration', type: 'string', valueName: 'duration', defaultText: '5s', description: 'How long pods owned by a Job run before they succeed' },
  { name: 'lease-interval', type: 'string', valueName: 'duration', defaultText: '10s', description: 'Node lease renewal interval' },
  { name: 'status-interval', type: 'string', valueName: 'duration', defaultText: '1m0s', description: 'Node status (condition heartbeat) interval' },
  { name: 'pod-exit-delay', type: 'string', valueName: 'duration', defaultText: '1s', description: 'How long deleted pods take to stop (capped by their grace period)' },
  { name: 'concurrency', type: 'string', valueName: 'int', defaultText: '32', description: 'Concurrent API requests' },
  { name: 'fallback-pod-cidr', type: 'string', defaultText: '10.244.0.0/16', description: 'Pod IPs for nodes without spec.podCIDR' },
  { name: 'cleanup', type: 'boolean', description: 'Delete the simulated nodes on exit (default: leave them, like dead machines)' },
  { name: 'v', short: 'v', type: 'string', valueName: 'int', defaultText: '0', description: 'Log verbosity' },
  { name: 'help', short: 'h', type: 'boolean', description: 'Help for sim' },
];

export interface SimConfig {
  kubeconfig: string;
  sim: Omit<SimulatorOptions, 'onProgress'>;
  cleanup: boolean;
  verbosity: number;
}

export function simHelp(): string {
  return renderHelp({
    description:
      'Simulate nodes (like kwok): register N nodes that keep their leases and conditions fresh and run the pods bound to them ' +
      'through their lifecycle, without containers. Stopping the sim leaves its nodes behind as dead machines.',
    usage: [`${SIM_COMMAND} [flags]`],
    sections: [
      {
        title: 'Pod annotations',
        lines: [
          'sim.flotilla.dev/run-seconds: "N"   containers exit after N seconds (Job pods: --job-duration)',
          'sim.flotilla.dev/fail: "true"       containers exit 1 (restartPolicy Always/OnFailure: crash loop)',
        ],
      },
      {
        title: 'Examples',
        lines: [
          '# 1,000 nodes over three zones',
          `${SIM_COMMAND} --nodes 1000 --name-prefix kwok- --zones a,b,c`,
          '',
          '# tainted GPU nodes',
          `${SIM_COMMAND} --nodes 4 --name-prefix gpu- --node-label accelerator=gpu --node-taint gpu=true:NoSchedule`,
        ],
      },
    ],
    specs: SIM_FLAGS,
  });
}

/** Validates flags into a SimConfig (pure; `env` gives KUBECONFIG). Throws UsageError. */
export function parseSimConfig(argv: string[], env: { KUBECONFIG?: string }): SimConfig | { help: true } {
  const { values, positionals } = parseFlags(argv, SIM_FLAGS, SIM_COMMAND);
  if (values.get('help') === true) return { help: true };
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, SIM_COMMAND);
  const str = (name: string, def: string): string => {
    const v = values.get(name);
    return typeof v === 'string' ? v : def;
  };
  const list = (name: string): string[] => {
    const v = values.get(name);
    return Array.isArray(v) ? v : [];
  };
  const fail = (msg: string): never => {
    throw new UsageError(msg, SIM_COMMAND);
  };
  const int = (name: string, def: string, min: number, max: number): number => {
    const raw = str(name, def);
    if (!/^\d+$/.test(raw)) fail(`invalid argument "${raw}" for "--${name}" flag: must be an integer`);
    const n = Number(raw);
    if (n < min || n > max) fail(`--${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
  const duration = (name: string, def: string, minMs: number): number => {
    const raw = str(name, def);
    let msv: number;
    try {
      msv = toMillis(parseDuration(raw));
    } catch {
      return fail(`invalid argument "${raw}" for "--${name}" flag: time: invalid duration "${raw}"`);
    }
    if (msv < minMs) fail(`--${name} must be at least ${minMs} ms, got ${raw}`);
    return msv;
  };
  const quantity = (name: string, def: string): string => {
    const raw = str(name, def);
    try {
      const q = parseQuantity(raw);
      if (q.sign() <= 0) fail(`--${name} must be positive, got ${raw}`);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      fail(`invalid argument "${raw}" for "--${name}" flag: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    }
    return raw;
  };

  const kubeconfig = str('kubeconfig', env.KUBECONFIG ?? '');
  if (!kubeconfig) fail('no kubeconfig: pass --kubeconfig or set KUBECONFIG');
  const nodes = int('nodes', '3', 1, 100_000);
  const namePrefix = str('name-prefix', 'sim-node-');
  const nameErr = namePrefix === '' ? 'must not be empty' : !/^[a-z0-9]([-a-z0-9.]*)?$/.test(namePrefix) || namePrefix.length > 240 ? 'must be lower-case letters, digits, "-" or "." and start with a letter or digit' : '';
  if (nameErr) fail(`--name-prefix "${namePrefix}" ${nameErr}`);

  const labels = parseNodeLabels(list('node-label'), SIM_COMMAND);
  const taints = parseNodeTaints(list('node-taint'), SIM_COMMAND);
  const zones = splitList(list('zones'));
  for (const z of zones) if (isValidLabelValue(z).length) fail(`--zones "${z}": ${isValidLabelValue(z)[0]}`);
  const arch = str('arch', 'amd64');
  if (isValidLabelValue(arch).length || arch === '') fail(`--arch "${arch}": not a valid label value`);
  const fallback = str('fallback-pod-cidr', '10.244.0.0/16');
  const fm = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(fallback);
  if (!fm || fm.slice(1, 5).some((p) => Number(p) > 255) || Number(fm[5]) > 24) fail(`--fallback-pod-cidr "${fallback}": must be an IPv4 CIDR of /24 or larger`);

  const v = int('v', '0', 0, 10);
  const template: NodeTemplate = {
    namePrefix,
    cpu: quantity('cpu', '8'),
    memory: quantity('memory', '32Gi'),
    pods: String(int('pods', '110', 1, 1_000_000)),
    zones,
    labels,
    taints,
    arch,
    kubeletVersion: `v1.${KUBERNETES_MINOR}.0`,
  };
  if (`${namePrefix}${nodes - 1}`.length > 253) fail('--name-prefix is too long for the node count');
  return {
    kubeconfig,
    cleanup: values.get('cleanup') === true,
    verbosity: v,
    sim: {
      template,
      nodes,
      leaseRenewMs: duration('lease-interval', '10s', 100),
      statusUpdateMs: duration('status-interval', '1m0s', 100),
      jobDurationMs: duration('job-duration', '5s', 0),
      exitDelayMs: duration('pod-exit-delay', '1s', 0),
      concurrency: int('concurrency', '32', 1, 1024),
      fallbackPodCIDR: fallback,
    },
  };
}

export interface SimDeps {
  /** A client for the kubeconfig's current context (e.g. client/http-client.ts clientFromKubeconfig). */
  clientFromKubeconfig(path: string, userAgent: string): Client | Promise<Client>;
  /** Registers a handler for SIGINT/SIGTERM; returns an unregister function. */
  onSignal(handler: (signal: string) => void): () => void;
  now?: () => Date;
}

/** Runs `flotilla sim`; resolves with the exit code once stopped by a signal (or on failure). */
export async function simCommand(argv: string[], env: { KUBECONFIG?: string }, deps: SimDeps, io: CommandIo): Promise<number> {
  const parsed = parseSimConfig(argv, env);
  if ('help' in parsed) {
    io.stdout(simHelp());
    return 0;
  }
  const cfg = parsed;
  const logger = createLogger((r) => io.stderr(formatLogRecord(r) + '\n'), { verbosity: cfg.verbosity });
  let client: Client;
  try {
    client = await deps.clientFromKubeconfig(cfg.kubeconfig, `flotilla-sim/${cfg.sim.template.namePrefix}`);
  } catch (e) {
    io.stderr(`Error: kubeconfig ${cfg.kubeconfig}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  try {
    await client.list(R.nodes, { limit: 1 });
  } catch (e) {
    io.stderr(`Error: cannot reach the API server of ${cfg.kubeconfig}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const t0 = Date.now();
  const sim = new Simulator(
    { ...cfg.sim, onProgress: (done, total) => io.stdout(`registered ${done}/${total} nodes\n`) },
    { client, logger, now: deps.now ?? (() => new Date()) },
  );
  let signalled = false;
  let wake: (() => void) | undefined;
  const off = deps.onSignal((sig) => {
    if (signalled) {
      io.stderr(`Received ${sig} again, exiting immediately\n`);
      process.exit(1);
    }
    signalled = true;
    logger.child('sim').info('received signal; stopping (nodes stop heartbeating)', { signal: sig });
    wake?.();
  });
  try {
    await sim.start();
  } catch (e) {
    off();
    await sim.stop();
    io.stderr(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  const p = cfg.sim.template.namePrefix;
  io.stdout(`simulating ${cfg.sim.nodes} nodes ${p}0..${p}${cfg.sim.nodes - 1} (registered in ${((Date.now() - t0) / 1000).toFixed(1)} s); Ctrl-C to stop\n`);
  const statsTimer = cfg.verbosity >= 1 ? setInterval(() => logger.child('sim').info('stats', { ...sim.snapshot() }), 10_000) : undefined;
  // The simulator's own timers do not hold the process open (it is also a library); this does.
  const keepAlive = setInterval(() => {}, 1 << 30);
  if (!signalled) await new Promise<void>((r) => (wake = r));
  clearInterval(keepAlive);
  if (statsTimer) clearInterval(statsTimer);
  await sim.stop();
  if (cfg.cleanup) {
    io.stdout(`deleting ${cfg.sim.nodes} nodes\n`);
    await sim.cleanup().catch((e: unknown) => io.stderr(`Error: cleanup: ${e instanceof Error ? e.message : String(e)}\n`));
  }
  off();
  io.stdout('sim stopped\n');
  return 0;
}

/** SimDeps.onSignal for a real process: SIGINT and SIGTERM. */
export function processOnSignal(handler: (signal: string) => void): () => void {
  const h = (sig: NodeJS.Signals) => handler(sig);
  process.on('SIGINT', h);
  process.on('SIGTERM', h);
  return () => {
    process.off('SIGINT', h);
    process.off('SIGTERM', h);
  };
}
