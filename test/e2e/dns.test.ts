/**
 * Cluster DNS from inside real pods (root, containerd, CNI): a busybox pod resolves Services by
 * short name (search path), by FQDN, headless Services to pod IPs, SRV of named ports, pod A
 * records, ExternalName, NXDOMAIN, and a name outside the cluster through a fake upstream.
 *
 * Node DNS: the agent serves it on its gateway; the node's resolv.conf (--resolv-conf) names a fake
 * upstream on a loopback address of this run, so forwarded names never leave the machine. (Should
 * the agent not answer, the test runs startNodeDns in this process with a fake upstream on
 * 127.0.0.1 and a per-run nft table.) Everything is removed at the end.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { gatewayAddress } from '../../src/agent/network/index.js';
import { clientFromKubeconfig } from '../../src/client/index.js';
import { discardLogger } from '../../src/lib/log.js';
import { startNodeDns, type RunningNodeDns } from '../../src/proxy/dns/index.js';
import { startFakeUpstream, type FakeUpstream } from '../../src/proxy/dns/testing/dns-client.js';
import { startServer, type TestServer } from '../support/cluster.js';
import { ok as kubectlOk, poll } from './lib/kube.js';

let server: TestServer;
let nodeDns: RunningNodeDns | undefined;
let upstream: FakeUpstream | undefined;
/** The upstream the agent's own cluster DNS forwards to (its resolv.conf names it). */
let agentUpstream: FakeUpstream | undefined;
const resolvDirs: string[] = [];
const table = `flt-${randomBytes(3).toString('hex')}-dns`;

/** kubectl as the admin (test/e2e/lib/kube.ts's ok), a minute at most. */
const ok = (args: string[], input?: string): Promise<string> => kubectlOk(server, args, input === undefined ? { timeoutMs: 60_000 } : { input, timeoutMs: 60_000 });

/** Polls `probe` every 300 ms until it returns a value (test/e2e/lib/kube.ts's poll). */
const eventually = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> => poll(what, probe, timeoutMs, 300);

/** Runs a command in the client pod; resolves with its output and exit code. */
async function inPod(cmd: string): Promise<{ code: number; out: string }> {
  const r = await server.kubectl(['exec', 'client', '--', 'sh', '-c', cmd], { timeoutMs: 30_000 });
  return { code: r.code ?? -1, out: r.stdout + r.stderr };
}

/** The 10th address of the service CIDR (the server's default --cluster-dns). */
function tenth(serviceCIDR: string): string {
  const [a, b, c, d] = serviceCIDR.split('/')[0]!.split('.').map(Number);
  return `${a}.${b}.${c}.${d! + 10}`;
}

let ownDns = false;
let clusterDNS = '';

before(async () => {
  // The agent's cluster DNS forwards names outside the cluster to the node's resolv.conf
  // nameservers: here one fake upstream on a loopback address of this run (port 53, as resolv.conf
  // cannot name a port), so no query ever leaves the machine.
  const loopback = `127.0.${randomInt(1, 250)}.${randomInt(2, 250)}`;
  agentUpstream = await startFakeUpstream({ 'www.example.test': [{ name: 'www.example.test', type: 'A', ttl: 60, class: 'IN', data: '192.0.2.10' }] }, { address: loopback, port: 53 });
  const resolvDir = mkdtempSync(join(tmpdir(), 'flt-dns-resolv-'));
  resolvDirs.push(resolvDir);
  writeFileSync(join(resolvDir, 'resolv.conf'), `nameserver ${loopback}\n`);
  server = await startServer({ agent: true, controlPlane: true, resolvConf: join(resolvDir, 'resolv.conf') });
  const node = server.node!;
  clusterDNS = tenth(node.serviceCIDR);
  await eventually('node Ready', async () => / Ready /.test(await ok(['get', 'node', node.name, '--no-headers'])) || undefined);
  const podCIDR = await eventually('podCIDR', async () => (await ok(['get', 'node', node.name, '-o', 'jsonpath={.spec.podCIDR}'])).trim() || undefined);
  const gateway = gatewayAddress(podCIDR);
  await eventually('default service account', async () => (await server.kubectl(['get', 'sa', 'default'])).code === 0 || undefined);
  // Does the agent serve DNS on its gateway already?
  const probe = await probeGateway(gateway);
  if (!probe) {
    ownDns = true;
    upstream = await startFakeUpstream({ 'www.example.test': [{ name: 'www.example.test', type: 'A', ttl: 60, class: 'IN', data: '192.0.2.10' }] });
    nodeDns = await startNodeDns({
      client: clientFromKubeconfig(server.kubeconfig, 'dns-e2e'),
      bridge: node.bridge,
      gateway,
      clusterDNS: [clusterDNS],
      upstreams: [{ address: '127.0.0.1', port: upstream.port }],
      fromHost: false,
      nftTable: table,
      logger: discardLogger,
    });
  }
  await ok(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: web-0, labels: {app: web}}
spec:
  hostname: web-0
  subdomain: web-h
  containers:
  - {name: web, image: flotilla.local/busybox:1.35, command: [sh, -c, "mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www"], ports: [{name: http, containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web-h}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec:
  type: ExternalName
  externalName: www.example.test
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers:
  - {name: c, image: flotilla.local/busybox:1.35, command: [sleep, "3600"]}
`);
  await eventually('pods Running', async () => {
    const out = await ok(['get', 'pods', '--no-headers']);
    return (out.match(/ Running /g) ?? []).length === 2 || undefined;
  }, 120_000);
});

/** A UDP query to the gateway (an address of our own bridge on this host) with a short timeout. */
async function probeGateway(gateway: string): Promise<boolean> {
  const dgram = await import('node:dgram');
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      s.close();
      resolve(false);
    }, 1500);
    s.on('message', () => {
      clearTimeout(timer);
      s.close();
      resolve(true);
    });
    s.on('error', () => undefined);
    // A minimal query for cluster.local SOA.
    const q = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, ...Buffer.from('cluster'), 5, ...Buffer.from('local'), 0, 0, 6, 0, 1]);
    s.send(q, 53, gateway);
  });
}

after(async () => {
  await nodeDns?.stop().catch(() => undefined);
  await promisify(execFile)('nft', ['delete', 'table', 'ip', table]).catch(() => undefined);
  await upstream?.close();
  await agentUpstream?.close();
  for (const d of resolvDirs) rmSync(d, { recursive: true, force: true });
  await server?.stop();
});

test('the pod resolv.conf points at the cluster DNS with the search path and ndots:5', async () => {
  const { out } = await inPod('cat /etc/resolv.conf');
  assert.match(out, new RegExp(`nameserver ${clusterDNS.replace(/\./g, '\\.')}`));
  assert.match(out, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
  assert.match(out, /options ndots:5/);
});

test('Service names resolve from inside a pod: FQDN, short name through the search path, kubernetes.default', async () => {
  const ip = (await ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
  const fq = await eventually('web FQDN', async () => {
    const r = await inPod(`nslookup web.default.svc.cluster.local ${clusterDNS}`);
    return r.code === 0 && r.out.includes(ip) ? r.out : undefined;
  });
  assert.match(fq, new RegExp(ip.replace(/\./g, '\\.')));
  // The libc resolver (search path, ndots:5): ping prints the address it resolved.
  const short = await inPod('ping -c 1 -W 1 web 2>&1 | head -1');
  assert.match(short.out, new RegExp(`\\(${ip.replace(/\./g, '\\.')}\\)`), short.out);
  const k = await inPod('ping -c 1 -W 1 kubernetes.default 2>&1 | head -1');
  assert.match(k.out, /\(\d+\.\d+\.\d+\.\d+\)/, k.out);
  const nx = await inPod(`nslookup nope.default.svc.cluster.local ${clusterDNS}`);
  assert.notEqual(nx.code, 0);
  assert.match(nx.out, /NXDOMAIN|can't find/i);
});

test('headless Service: the pod IP, the pod hostname under the Service, SRV of the named port, pod A record', async () => {
  const podIP = (await ok(['get', 'pod', 'web-0', '-o', 'jsonpath={.status.podIP}'])).trim();
  const re = new RegExp(podIP.replace(/\./g, '\\.'));
  await eventually('headless A', async () => re.test((await inPod(`nslookup web-h.default.svc.cluster.local ${clusterDNS}`)).out) || undefined);
  await eventually('hostname.subdomain', async () => re.test((await inPod(`nslookup web-0.web-h.default.svc.cluster.local ${clusterDNS}`)).out) || undefined);
  const srv = await inPod(`nslookup -type=SRV _http._tcp.web-h.default.svc.cluster.local ${clusterDNS}`);
  assert.match(srv.out, /8080/);
  assert.match(srv.out, /web-0\.web-h\.default\.svc\.cluster\.local/);
  const dashed = podIP.replace(/\./g, '-');
  const pod = await inPod(`nslookup ${dashed}.default.pod.cluster.local ${clusterDNS}`);
  assert.match(pod.out, re);
});

test('names outside the cluster are forwarded (fake upstream only), ExternalName is a CNAME', async () => {
  const fake = ownDns ? upstream! : agentUpstream!;
  const www = await inPod(`nslookup www.example.test ${clusterDNS}`);
  assert.match(www.out, /192\.0\.2\.10/);
  const ext = await inPod(`nslookup ext.default.svc.cluster.local ${clusterDNS}`);
  assert.match(ext.out, /www\.example\.test/);
  assert.match(ext.out, /192\.0\.2\.10/);
  assert.ok(fake.seen.some((s) => s.startsWith('www.example.test')));
});
