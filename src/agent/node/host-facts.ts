/**
 * Reads the facts the Node status reports from the machine: CPUs, memory, the data dir's
 * filesystem, kernel, OS image, machine/boot ids, the node IP. Every read that can fail falls back
 * to a stated default instead of failing the agent (a container has no DMI product_uuid, say).
 */
import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, hostname, networkInterfaces, release, totalmem } from 'node:os';
import type { HostFacts } from './node-status.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** PRETTY_NAME from /etc/os-release, as the kubelet reports osImage. */
export function osImage(osRelease: string | undefined): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(osRelease ?? '');
  if (!m) return 'Linux';
  return m[1]!.replace(/^"(.*)"$/, '$1');
}

/** Node's os.arch() → Go's GOARCH. */
export function goArch(nodeArch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[nodeArch] ?? nodeArch;
}

/**
 * The address other nodes and the API server use to reach this one: the given one, else the first
 * non-internal IPv4 address of the machine, else 127.0.0.1 (a one-machine cluster).
 */
export function detectNodeIP(given?: string): string {
  if (given) return given;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function readHostFacts(opts: { dataDir: string; containerRuntimeVersion: string; nodeIP?: string; hostname?: string }): HostFacts {
  let storage = 0;
  try {
    const s = statfsSync(opts.dataDir);
    storage = Number(s.blocks) * Number(s.bsize);
  } catch {
    storage = 0;
  }
  const machineID = read('/etc/machine-id') ?? read('/var/lib/dbus/machine-id') ?? '';
  return {
    cpus: cpus().length,
    memoryBytes: totalmem(),
    ephemeralStorageBytes: storage,
    kernelVersion: release(),
    osImage: osImage(read('/etc/os-release')),
    machineID,
    systemUUID: (read('/sys/class/dmi/id/product_uuid') ?? machineID).toLowerCase(),
    bootID: read('/proc/sys/kernel/random/boot_id') ?? '',
    architecture: goArch(arch()),
    containerRuntimeVersion: opts.containerRuntimeVersion,
    internalIP: detectNodeIP(opts.nodeIP),
    hostname: opts.hostname ?? hostname(),
  };
}
