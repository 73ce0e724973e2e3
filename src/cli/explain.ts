/**
 * `flotilla explain pod NAME [-n NAMESPACE] [--kubeconfig PATH] [-o json]`: reads the pod, the nodes
 * and the placed pods through the API and prints, node by node, which scheduler plugin refuses the
 * pod and why, or how each plugin scores the nodes that fit (src/scheduler/explain does the work;
 * this file only reads and prints). Exit codes: 0 explained (whether or not the pod fits), 1 the
 * API could not be read (pod not found...), 2 usage error.
 */
import type { V1Node } from '../api/core/v1/node.js';
import type { V1Pod } from '../api/core/v1/pod-types.js';
import type { KubeObject } from '../api/types.js';
import type { Client, GVR } from '../client/types.js';
import { R } from '../client/types.js';
import { Snapshot, podInfoOf } from '../scheduler/framework/index.js';
import { defaultFramework, disruptionBudgetOf } from '../scheduler/plugins/index.js';
import { explainPod, explanationRows } from '../scheduler/explain/index.js';
import { type FlagSpec, UsageError, parseFlags, renderHelp } from './flags.js';
import type { CommandIo } from './server.js';

const CMD = 'flotilla explain';

const FLAGS: FlagSpec[] = [
  { name: 'namespace', short: 'n', type: 'string', valueName: 'string', defaultText: 'default', description: 'Namespace of the pod' },
  { name: 'kubeconfig', type: 'string', valueName: 'string', description: 'Path to the kubeconfig file (default $KUBECONFIG, then ~/.kube/config)' },
  { name: 'output', short: 'o', type: 'string', valueName: 'format', description: "One of '' (table) or 'json'" },
  { name: 'help', short: 'h', type: 'boolean', description: 'Help for explain' },
];

export interface ExplainDeps {
  /** A client for a kubeconfig path (clientFromKubeconfig in the composition root). */
  clientFor(kubeconfigPath: string): Client;
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
}

export function explainHelp(): string {
  return renderHelp({
    description: 'Explain, node by node, why the scheduler places a pod where it does or refuses it: the plugin that refuses each node and its reason, or the scores of the nodes that fit.',
    usage: ['flotilla explain pod NAME [-n NAMESPACE] [flags]'],
    specs: FLAGS,
  });
}

async function listAll<T extends KubeObject>(client: Client, gvr: GVR): Promise<T[]> {
  const out: T[] = [];
  let cont: string | undefined;
  do {
    const page = await client.list<T>(gvr, { limit: 500, ...(cont ? { continue: cont } : {}) });
    out.push(...page.items);
    cont = page.metadata.continue || undefined;
  } while (cont);
  return out;
}

/** Pads columns like kubectl's tabwriter (3 spaces between columns). */
export function formatTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n') + '\n';
}

export async function explainCommand(argv: string[], io: CommandIo, deps: ExplainDeps): Promise<number> {
  const { values, positionals } = parseFlags(argv, FLAGS, CMD);
  if (values.get('help') === true) {
    io.stdout(explainHelp());
    return 0;
  }
  const [kind, name, ...extra] = positionals;
  if (kind === undefined) throw new UsageError('you must specify the kind and name of an object: flotilla explain pod NAME', CMD);
  if (kind !== 'pod' && kind !== 'pods' && kind !== 'po') throw new UsageError(`explain supports only pods, not "${kind}"`, CMD);
  if (name === undefined) throw new UsageError('you must specify the name of the pod', CMD);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`, CMD);
  const output = (values.get('output') as string | undefined) ?? '';
  if (output !== '' && output !== 'json') throw new UsageError(`--output must be '' or 'json', not "${output}"`, CMD);
  const ns = (values.get('namespace') as string | undefined) ?? 'default';
  const kubeconfig = (values.get('kubeconfig') as string | undefined) ?? deps.env['KUBECONFIG']?.split(':')[0] ?? `${deps.homeDir}/.kube/config`;

  const client = deps.clientFor(kubeconfig);
  const pod = await client.get<V1Pod>(R.pods, ns, name);
  const [nodes, pods, namespaces, pdbs] = await Promise.all([
    listAll<V1Node>(client, R.nodes),
    listAll<V1Pod>(client, R.pods),
    listAll<KubeObject>(client, R.namespaces).catch(() => []),
    listAll<KubeObject>(client, R.poddisruptionbudgets).catch(() => []),
  ]);
  const snap = Snapshot.from(nodes);
  for (const p of pods) if (p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') snap.addPod(podInfoOf(p));
  for (const n of namespaces) snap.namespaceLabels.set(n.metadata.name ?? '', (n.metadata.labels as Record<string, string>) ?? {});
  snap.pdbs = pdbs.map(disruptionBudgetOf);
  const e = explainPod(defaultFramework({ percentageOfNodesToScore: 100 }), snap, pod);

  if (output === 'json') {
    io.stdout(JSON.stringify(e, null, 2) + '\n');
    return 0;
  }
  const best = e.nodes.find((n) => n.best);
  const where = pod.spec?.nodeName ? ` (bound to ${pod.spec.nodeName})` : '';
  io.stdout(`Pod ${ns}/${name}${where}: ${best ? `${e.nodes.filter((n) => n.fits).length}/${e.nodes.length} nodes fit; best: ${best.node}` : `no node fits (0/${e.nodes.length})`}\n\n`);
  if (e.nodes.length) io.stdout(formatTable(['NODE', 'RESULT', 'PLUGIN', 'REASON / SCORE'], explanationRows(e)));
  if (e.summary) io.stdout(`\n${e.summary}\n`);
  return 0;
}
