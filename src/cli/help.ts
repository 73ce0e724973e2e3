/** `flotilla help [command]` and `flotilla --help`: the command overview. */
import { renderHelp } from './flags.js';

/** One line per command, for the overview. */
export const COMMAND_SUMMARIES: ReadonlyArray<readonly [string, string]> = [
  ['server', 'Run the control plane (API server, scheduler, controller manager) and a node agent'],
  ['agent', 'Join this machine to a cluster as a node and run its pods (containerd, runc, CNI)'],
  ['killall', "Stop a node agent's pods, containerd and pod network on this machine (keeps the data)"],
  ['sim', 'Register simulated nodes that run pods through their lifecycle (like kwok)'],
  ['explain', 'Explain node by node why a pod is placed or refused'],
  ['images', "Import, list and remove a node's container images; build the built-in ones"],
  ['version', 'Print the Flotilla version'],
  ['help', 'Help about any command'],
];

export function rootHelp(): string {
  const width = Math.max(...COMMAND_SUMMARIES.map(([n]) => n.length)) + 3;
  return renderHelp({
    description: 'Flotilla: a Kubernetes-compatible container orchestrator. One command starts a whole cluster.',
    usage: ['flotilla [command] [flags]'],
    sections: [
      { title: 'Available Commands', lines: COMMAND_SUMMARIES.map(([n, d]) => `${n.padEnd(width)}${d}`) },
      { title: 'More', lines: ["Use 'flotilla <command> --help' for more information about a command."] },
    ],
    specs: [
      { name: 'help', short: 'h', type: 'boolean', description: 'Help for flotilla' },
      { name: 'version', type: 'boolean', description: 'Print the version and exit' },
    ],
  });
}
