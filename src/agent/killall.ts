/**
 * Stops everything a node agent left running on this machine (k3s-killall.sh's job): every pod
 * sandbox and container of the agent's containerd (their network namespaces and pod IPs are
 * released through CNI as containerd stops them) and their cgroups, containerd itself, leftover runc shims of that
 * containerd, mounts under the data dir, the node's service, NetworkPolicy and DNS rules, and its network (bridge, routes, firewall rules).
 * The data dir itself (images, certificates, state) is kept.
 *
 * Contract: idempotent and tolerant of partial state (no containerd binary, no socket, no bridge);
 * each step runs even if an earlier one failed, and the first failure is thrown at the end. Only
 * processes found by our socket path in their command line are signalled, by PID.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../lib/log.js';
import { setupNodeNetwork } from './network/index.js';
import { removeEmptyCgroupRoot, removePodCgroups } from './kubelet/pod-cgroups.js';
import { DEFAULT_BRIDGE } from './agent.js';
import { proxyTableName, removeServiceProxyTable } from '../proxy/index.js';
import { removeNetworkPolicy } from '../proxy/netpol/index.js';
import { removeNodeDnsRedirect } from '../proxy/dns/index.js';
import { CRI_LABELS, createCriClient, startContainerd } from './runtime/index.js';

const run = promisify(execFile);

export interface KillallOptions {
  dataDir: string;
  /** The agent's bridge (default flotilla0). */
  bridge?: string;
  /** Cluster and service CIDRs whose routes go (default: from `<dataDir>/agent/cluster.json`). */
  clusterCIDRs?: string[];
  serviceCIDRs?: string[];
  logger: Logger;
}

export interface KillallReport {
  sandboxes: number;
  shimsKilled: number;
  unmounted: number;
}

/** PIDs of containerd shims serving `socket` (their command line carries `-address <socket>`). */
export async function shimPids(socket: string): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const argv = await readFile(`/proc/${name}/cmdline`, 'utf8').then((t) => t.split('\0'), () => [] as string[]);
    if (!/containerd-shim/.test(argv[0] ?? '')) continue;
    const i = argv.indexOf('-address');
    if (i >= 0 && argv[i + 1] === socket) pids.push(Number(name));
  }
  return pids;
}

/** Mount points under `dir`, deepest first. */
async function mountsUnder(dir: string): Promise<string[]> {
  const prefix = dir.replace(/\/+$/, '') + '/';
  const out = new Set<string>();
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    const decoded = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (decoded.startsWith(prefix)) out.add(decoded);
  }
  return [...out].sort((a, b) => b.split('/').length - a.split('/').length || b.length - a.length);
}

async function clusterNetworks(dataDir: string): Promise<{ clusterCIDRs: string[]; serviceCIDRs: string[] }> {
  try {
    const c = JSON.parse(await readFile(join(dataDir, 'agent', 'cluster.json'), 'utf8')) as { clusterCIDRs?: string[]; serviceCIDRs?: string[]; loadBalancerCIDRs?: string[] };
    return { clusterCIDRs: c.clusterCIDRs ?? [], serviceCIDRs: [...(c.serviceCIDRs ?? []), ...(c.loadBalancerCIDRs ?? [])] };
  } catch {
    return { clusterCIDRs: [], serviceCIDRs: [] };
  }
}

/** Routes on `bridge` that the agent added (not the kernel's connected route of its podCIDR). */
async function safetyRoutes(bridge: string): Promise<string[]> {
  try {
    const { stdout } = await run('ip', ['-j', 'route', 'show', 'dev', bridge]);
    return (JSON.parse(stdout) as { dst?: string; protocol?: string }[]).filter((r) => r.protocol !== 'kernel' && r.dst && r.dst.includes('/')).map((r) => r.dst!);
  } catch {
    return [];
  }
}

export async function killall(opts: KillallOptions): Promise<KillallReport> {
  const log = opts.logger.child('killall');
  const report: KillallReport = { sandboxes: 0, shimsKilled: 0, unmounted: 0 };
  let firstError: unknown;
  const step = async (what: string, f: () => Promise<void>) => {
    try {
      await f();
    } catch (e) {
      log.warn(`${what} failed`, { err: e instanceof Error ? e.message : String(e) });
      firstError ??= e;
    }
  };
  const socket = join(opts.dataDir, 'containerd', 'containerd.sock');
  const podUids = new Set<string>();

  // 1. Pods, through the CRI (CNI DEL releases their netns and IPs).
  if (existsSync(join(opts.dataDir, 'containerd'))) {
    await step('stopping pods', async () => {
      const containerd = await startContainerd({ dataDir: opts.dataDir, logger: opts.logger.child('containerd'), cniConfDir: join(opts.dataDir, 'cni', 'net.d'), stopTimeoutMs: 5000 });
      const cri = createCriClient(containerd.socket);
      try {
        const sandboxes = await cri.runtime.listPodSandbox();
        for (const sb of sandboxes) {
          await cri.runtime.stopPodSandbox(sb.id);
          await cri.runtime.removePodSandbox(sb.id);
          report.sandboxes++;
          const uid = sb.labels[CRI_LABELS.podUid] ?? sb.metadata.uid;
          if (uid) podUids.add(uid);
        }
        for (const c of await cri.runtime.listContainers()) await cri.runtime.removeContainer(c.id);
        log.info('pods stopped', { sandboxes: sandboxes.length });
      } finally {
        cri.close();
        await containerd.stop();
      }
    });
  }

  // Pod cgroups of the pods removed above (runc leaves their parents), then the empty root.
  await step('removing pod cgroups', async () => {
    for (const uid of podUids) await removePodCgroups(uid);
    await removeEmptyCgroupRoot();
  });

  // 2. Shims still serving our socket (containers whose sandbox could not be stopped).
  await step('killing shims', async () => {
    for (const pid of await shimPids(socket)) {
      try {
        process.kill(pid, 'SIGKILL');
        report.shimsKilled++;
      } catch {
        /* already gone */
      }
    }
  });

  // 3. Mounts under the data dir (rootfs, shm, volume tmpfs).
  await step('unmounting', async () => {
    for (let round = 0; round < 3; round++) {
      const mps = await mountsUnder(opts.dataDir);
      if (!mps.length) return;
      for (const mp of mps) {
        await run('umount', ['-R', mp]).then(
          () => report.unmounted++,
          () => run('umount', ['-R', '-l', mp]).then(() => report.unmounted++, () => {}),
        );
      }
    }
  });

  // 4. This node's service proxy table, NetworkPolicy objects and DNS redirect.
  const bridge = opts.bridge ?? DEFAULT_BRIDGE;
  await step('removing service rules', async () => {
    const r = await removeServiceProxyTable({ table: proxyTableName(bridge) });
    if (!r.ok && !/No such file|does not exist/i.test(r.error)) throw new Error(r.error);
  });
  await step('removing network policy rules', () => removeNetworkPolicy({ bridge }));
  await step('removing the DNS redirect', () => removeNodeDnsRedirect({ bridge }));

  // 5. The node network (bridge, routes, firewall rules).
  await step('removing the pod network', async () => {
    const nets = await clusterNetworks(opts.dataDir);
    let clusterCIDRs = opts.clusterCIDRs ?? nets.clusterCIDRs;
    let serviceCIDRs = opts.serviceCIDRs ?? nets.serviceCIDRs;
    if (!clusterCIDRs.length) {
      // No cluster.json (never joined, or removed): the safety routes on the bridge say which they were.
      const routed = await safetyRoutes(opts.bridge ?? 'flotilla0');
      clusterCIDRs = routed.slice(0, 1);
      serviceCIDRs = routed.slice(1);
    }
    if (!clusterCIDRs.length) {
      log.info('no cluster networks known; leaving routes alone', { bridge: opts.bridge ?? 'flotilla0' });
      return;
    }
    const network = await setupNodeNetwork({
      bridge: opts.bridge ?? 'flotilla0',
      clusterCIDRs,
      serviceCIDRs,
      cniConfDir: join(opts.dataDir, 'cni', 'net.d'),
      cniDataDir: join(opts.dataDir, 'cni', 'ipam'),
      logger: opts.logger.child('network'),
    });
    await network.teardown({ removeBridge: true });
  });
  if (firstError !== undefined) throw firstError instanceof Error ? firstError : new Error(String(firstError));
  return report;
}
