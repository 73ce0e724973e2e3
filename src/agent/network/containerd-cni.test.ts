/**
 * The conflist through the real consumer: a private containerd (test/support/containerd.ts) whose
 * CRI plugin reads it from `<dataDir>/cni/net.d` and runs Debian's plugins for a pod sandbox.
 * Root only; everything (containerd, bridge, routes, guard table, portmap chains) is removed in `after`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { discardLogger } from '../../lib/log.js';
import { cidrsOverlap, parseCidr } from '../../lib/net.js';
import type { ContainerConfig, PodSandboxConfig } from '../runtime/cri-types.js';
import { BUILTIN_IMAGES } from '../images/builtin.js';
import { setupNodeNetwork, type NodeNetwork } from './node-network.js';
import { startTestContainerd, TEST_PREFIX, type TestContainerd } from '../../../test/support/containerd.js';
import { cleanupPortmapIptables, cniIptablesLines, snapshotIptables, type IptablesSnapshot } from '../../../test/support/netns.js';

const RUN = randomBytes(3).toString('hex').slice(0, 5);
const BRIDGE = `flt${RUN}c`;
const NET_NAME = `flt-${RUN}`;
const NFT_TABLE = `flt-${RUN}`;

let t: TestContainerd | undefined;
let net: NodeNetwork | undefined;
let iptablesBefore: IptablesSnapshot = { cni: [], natTables: [] };
let cluster = '';
let service = '';
let octet = 0;

function freeCidrs(): void {
  const used = (JSON.parse(execFileSync('ip', ['-j', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' })) as { dst?: string }[])
    .map((r) => r.dst)
    .filter((d): d is string => !!d && d !== 'default')
    .map((d) => parseCidr(d.includes('/') ? d : `${d}/32`)!);
  for (const o of [233, 223, 213]) {
    const c = `10.${o}.0.0/16`;
    const s = `10.${o + 1}.0.0/16`;
    if (used.every((u) => !cidrsOverlap(u, parseCidr(c)!) && !cidrsOverlap(u, parseCidr(s)!))) {
      [cluster, service, octet] = [c, s, o];
      return;
    }
  }
  throw new Error('no free test CIDR among 10.233/10.223/10.213.0.0/16');
}

function hostConnect(host: string, port: number, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect ${host}:${port} timed out`));
    }, timeoutMs);
    s.on('data', (d) => (buf += d));
    s.on('end', () => {
      clearTimeout(timer);
      resolve(buf.trim());
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Retries until the pod's server answers (it starts asynchronously); bounded. */
async function eventually(host: string, port: number): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 50; i++) {
    try {
      const got = await hostConnect(host, port);
      if (got) return got;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${host}:${port} never answered: ${String(last)}`);
}

before(async () => {
  freeCidrs();
  iptablesBefore = snapshotIptables();
  t = await startTestContainerd();
});

after(async () => {
  await t?.stop();
  await net?.teardown({ removeBridge: true });
  try {
    execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' });
  } catch {
    /* teardown removed it */
  }
  cleanupPortmapIptables(NET_NAME, iptablesBefore);
});

test('containerd runs the conflist: the sandbox gets a podCIDR IP, the host and a hostPort reach it, stop releases it', async () => {
  const rt = t!.client.runtime;
  const cniConfDir = join(t!.dataDir, 'cni', 'net.d');
  const cniDataDir = join(t!.dataDir, 'cni', 'networks');
  net = await setupNodeNetwork({ bridge: BRIDGE, clusterCIDRs: [cluster], serviceCIDRs: [service], cniConfDir, cniDataDir, networkName: NET_NAME, nftTable: NFT_TABLE, logger: discardLogger });
  await net.setPodCIDR(`10.${octet}.7.0/24`);

  // containerd's CRI watches the conf dir and reports the network ready once it loads the conflist.
  let ready = false;
  for (let i = 0; i < 50 && !ready; i++) {
    ready = (await rt.status()).find((c) => c.type === 'NetworkReady')?.status === true;
    if (!ready) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(ready, 'NetworkReady after the conflist is written');

  const uid = randomBytes(8).toString('hex');
  const hostPort = 30000 + Math.floor(Math.random() * 5000);
  const logDirectory = join(t!.dataDir, 'pods', uid);
  mkdirSync(logDirectory, { recursive: true });
  const podNs = { network: 'POD', pid: 'CONTAINER', ipc: 'POD' } as const;
  const sandbox: PodSandboxConfig = {
    metadata: { name: `${TEST_PREFIX}-net`, uid, namespace: 'default', attempt: 0 },
    hostname: 'net-pod',
    logDirectory,
    portMappings: [{ protocol: 'TCP', containerPort: 8080, hostPort, hostIp: '' }],
    labels: {},
    annotations: {},
    linux: { cgroupParent: '', securityContext: { namespaceOptions: podNs } },
  };
  const podId = await rt.runPodSandbox(sandbox);
  const ip = (await rt.podSandboxStatus(podId)).network?.ip ?? '';
  assert.ok(ip.startsWith(`10.${octet}.7.`) && ip !== net.gateway, `sandbox IP ${ip} from the podCIDR`);
  assert.ok(existsSync(join(cniDataDir, NET_NAME, ip)), 'host-local recorded it under the agent data dir');

  const config: ContainerConfig = {
    metadata: { name: 'server', attempt: 0 },
    image: { image: BUILTIN_IMAGES.busybox },
    command: ['sh', '-c', 'while true; do echo hello-from-pod | nc -l -p 8080; done'],
    args: [],
    workingDir: '',
    envs: [],
    mounts: [],
    labels: {},
    annotations: {},
    logPath: 'server/0.log',
    stdin: false,
    stdinOnce: false,
    tty: false,
    linux: { securityContext: { namespaceOptions: podNs, privileged: false, readonlyRootfs: false, supplementalGroups: [], noNewPrivs: false } },
  };
  const cid = await rt.createContainer(podId, config, sandbox);
  await rt.startContainer(cid);
  assert.equal(await eventually(ip, 8080), 'hello-from-pod', 'the host reaches the pod IP');
  assert.equal(await eventually('127.0.0.1', hostPort), 'hello-from-pod', 'hostPort from localhost');
  assert.ok(cniIptablesLines().some((l) => l.includes(`dnat name: \\"${NET_NAME}\\"`)));

  await rt.stopContainer(cid, 0);
  await rt.stopPodSandbox(podId);
  assert.equal(existsSync(join(cniDataDir, NET_NAME, ip)), false, 'CNI DEL on stop released the IP');
  assert.equal(cniIptablesLines().some((l) => l.includes(`dnat name: \\"${NET_NAME}\\"`)), false, 'and the hostPort rules');
  await rt.removePodSandbox(podId);
  assert.deepEqual(readdirSync(cniConfDir), ['10-flotilla.conflist']);
});

test('a hostNetwork sandbox (network NODE): no CNI run, no pod IP, its server is on the host', async () => {
  const rt = t!.client.runtime;
  const cniDataDir = join(t!.dataDir, 'cni', 'networks');
  const allocated = () => (existsSync(join(cniDataDir, NET_NAME)) ? readdirSync(join(cniDataDir, NET_NAME)).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f)) : []);
  const before = allocated();
  const uid = randomBytes(8).toString('hex');
  const port = 35000 + Math.floor(Math.random() * 5000);
  const logDirectory = join(t!.dataDir, 'pods', uid);
  mkdirSync(logDirectory, { recursive: true });
  // What src/agent/pods' podNamespaceOptions gives a pod with spec.hostNetwork: true.
  const hostNs = { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } as const;
  const sandbox: PodSandboxConfig = {
    metadata: { name: `${TEST_PREFIX}-hostnet`, uid, namespace: 'default', attempt: 0 },
    hostname: '',
    logDirectory,
    portMappings: [],
    labels: {},
    annotations: {},
    linux: { cgroupParent: '', securityContext: { namespaceOptions: hostNs } },
  };
  const podId = await rt.runPodSandbox(sandbox);
  try {
    assert.equal((await rt.podSandboxStatus(podId)).network?.ip ?? '', '', 'no pod IP: the kubelet reports the node IP');
    assert.deepEqual(allocated(), before, 'CNI was not run');
    const config: ContainerConfig = {
      metadata: { name: 'server', attempt: 0 },
      image: { image: BUILTIN_IMAGES.busybox },
      command: ['sh', '-c', `while true; do echo hello-from-host-network | nc -l -p ${port}; done`],
      args: [],
      workingDir: '',
      envs: [],
      mounts: [],
      labels: {},
      annotations: {},
      logPath: 'server/0.log',
      stdin: false,
      stdinOnce: false,
      tty: false,
      linux: { securityContext: { namespaceOptions: hostNs, privileged: false, readonlyRootfs: false, supplementalGroups: [], noNewPrivs: false } },
    };
    const cid = await rt.createContainer(podId, config, sandbox);
    await rt.startContainer(cid);
    assert.equal(await eventually('127.0.0.1', port), 'hello-from-host-network', "the container listens in the host's network namespace");
    await rt.stopContainer(cid, 0);
  } finally {
    await rt.stopPodSandbox(podId);
    await rt.removePodSandbox(podId);
  }
});

test('teardown removes the guard table and leaves no portmap chain of this network', async () => {
  await net!.teardown({ removeBridge: true });
  assert.equal(execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).includes(`inet ${NFT_TABLE}`), false);
  assert.equal(cniIptablesLines().some((l) => l.includes(NET_NAME) || l.includes(`10.${octet}.7.`)), false);
  assert.equal(existsSync(`/sys/class/net/${BRIDGE}`), false);
});
