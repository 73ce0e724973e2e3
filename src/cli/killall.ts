/**
 * `flotilla killall`: stops every pod, containerd and the pod network a node agent (or a server's
 * embedded agent) left on this machine, as k3s-killall.sh does; the data dir is kept, so the next
 * start begins clean. Exit codes: 0 done, 1 a step failed (the others still ran), 2 usage error.
 */
import type { KillallOptions, KillallReport } from '../agent/killall.js';
import { createLogger, formatLogRecord } from '../lib/log.js';
import { type FlagSpec, UsageError, parseFlags, renderHelp } from './flags.js';
import type { CommandIo } from './server.js';

export const KILLALL_COMMAND = 'flotilla killall';

export const KILLALL_FLAGS: FlagSpec[] = [
  { name: 'data-dir', short: 'd', type: 'string', defaultText: '/var/lib/flotilla', description: "The agent's data dir [$FLOTILLA_DATA_DIR]" },
  { name: 'bridge', type: 'string', defaultText: 'flotilla0', description: "The agent's bridge" },
  { name: 'help', short: 'h', type: 'boolean', description: 'Help for killall' },
];

export function killallHelp(): string {
  return renderHelp({
    description:
      "Stop everything a node agent left running on this machine: its pods (sandboxes, containers, network namespaces and IPs), its containerd and shims, mounts under the data dir, and the pod network (bridge, routes, firewall rules). Images, certificates and cluster state are kept. Needs root.",
    usage: [`${KILLALL_COMMAND} [flags]`],
    specs: KILLALL_FLAGS,
  });
}

export async function killallCommand(
  argv: string[],
  env: { FLOTILLA_DATA_DIR?: string; isRoot: boolean },
  run: (opts: KillallOptions) => Promise<KillallReport>,
  io: CommandIo,
): Promise<number> {
  const { values, positionals } = parseFlags(argv, KILLALL_FLAGS, KILLALL_COMMAND);
  if (values.get('help') === true) {
    io.stdout(killallHelp());
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`, KILLALL_COMMAND);
  if (!env.isRoot) {
    io.stderr('Error: killall needs root (containerd, mounts, network)\n');
    return 1;
  }
  const str = (n: string) => {
    const v = values.get(n);
    return typeof v === 'string' ? v : undefined;
  };
  const dataDir = str('data-dir') ?? env.FLOTILLA_DATA_DIR ?? '/var/lib/flotilla';
  const logger = createLogger((r) => io.stderr(formatLogRecord(r) + '\n'));
  io.stdout(`stopping pods, containerd and the pod network of ${dataDir}...\n`);
  try {
    const r = await run({ dataDir, bridge: str('bridge') ?? 'flotilla0', logger });
    io.stdout(`done: ${r.sandboxes} pod sandbox(es) removed, ${r.shimsKilled} shim(s) killed, ${r.unmounted} mount(s) removed\n`);
    return 0;
  } catch (e) {
    io.stderr(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
