/**
 * The real dependencies of the node agent, shared by `flotilla agent` and the agent embedded in
 * `flotilla server`: joining with a token, an HTTPS client for the node's kubeconfig, startAgent.
 * Loaded only when an agent actually starts (containerd, gRPC and CNI code stay out of `--help`).
 */
import { readFile } from 'node:fs/promises';
import { startAgent } from '../../agent/agent.js';
import { joinCluster } from '../../agent/join/index.js';
import { agentOptions, splitNodeLabels, type AgentDeps } from '../../cli/agent.js';
import type { RunningServerInfo } from '../../cli/server.js';
import { processOnSignal } from '../../cli/sim.js';
import { createHttpClient, optionsFromKubeconfig } from '../../client/http-client.js';

export function realAgentDeps(): AgentDeps {
  return {
    joinCluster: async (o) => {
      const r = await joinCluster(o);
      return { kubeconfigPath: r.kubeconfigPath, cluster: r.cluster, warnings: r.warnings };
    },
    connect: async (path, userAgent) => {
      const opts = optionsFromKubeconfig(path);
      const ca = opts.ca;
      if (!ca) throw new Error(`kubeconfig ${path} names no certificate authority; the agent needs the cluster CA`);
      return { client: createHttpClient(opts, userAgent), caPem: typeof ca === 'string' ? ca : ca.toString('utf8') };
    },
    startAgent,
    onSignal: processOnSignal,
  };
}

/**
 * The agent inside `flotilla server`: joins its own server over loopback with the token the
 * server wrote, as any agent would (so it runs as system:node:<name>, under NodeRestriction), and
 * starts. Resolves with its stop function.
 */
export async function startEmbeddedAgent(server: RunningServerInfo): Promise<() => Promise<void>> {
  const { config, logger } = server;
  const deps = realAgentDeps();
  const token = (await readFile(server.tokenPath, 'utf8')).trim();
  const labels = splitNodeLabels(config.agent.nodeLabels);
  const joined = await deps.joinCluster({ server: server.url, token, nodeName: config.agent.nodeName, dataDir: config.dataDir, serverLabels: labels.server });
  for (const w of joined.warnings) logger.warn(w);
  const conn = await deps.connect(joined.kubeconfigPath, `flotilla-agent/${config.agent.nodeName}`);
  const agent = await deps.startAgent(
    agentOptions(
      {
        dataDir: config.dataDir,
        nodeName: config.agent.nodeName,
        nodeLabels: labels.own,
        nodeTaints: config.agent.nodeTaints,
        ...(config.agent.nodeIP ? { nodeIP: config.agent.nodeIP } : {}),
        bridge: config.agent.bridge,
        kubeletPort: config.agent.kubeletPort,
        ...(config.agent.registries ? { registries: config.agent.registries } : {}),
        resolvConf: config.agent.resolvConf,
        ...(config.agent.proxyMode !== undefined ? { proxyMode: config.agent.proxyMode } : {}),
      },
      conn,
      joined.cluster,
      logger,
    ),
  );
  return () => agent.stop();
}
