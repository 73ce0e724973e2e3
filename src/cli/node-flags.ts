/**
 * The `--node-label key=value` and `--node-taint key[=value]:Effect` flags shared by `flotilla sim`,
 * `flotilla agent` and `flotilla server` (k3s' spelling). Each parser returns the value or throws a
 * UsageError naming the flag and the bad value, with upstream's validation message.
 */
import { isQualifiedName, isValidLabelValue } from '../api/validation/names.js';
import type { NodeTaint } from '../agent/node/node-objects.js';
import { UsageError } from './flags.js';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

export function parseNodeLabels(values: readonly string[], command: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const kv of values) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--node-label "${kv}": must be key=value`, command);
    const k = kv.slice(0, eq);
    const v = kv.slice(eq + 1);
    const errs = [...isQualifiedName(k), ...isValidLabelValue(v)];
    if (errs.length) throw new UsageError(`--node-label "${kv}": ${errs[0]}`, command);
    labels[k] = v;
  }
  return labels;
}

export function parseNodeTaints(values: readonly string[], command: string): NodeTaint[] {
  const taints: NodeTaint[] = [];
  for (const t of values) {
    const m = /^([^=:]+)(?:=([^:]*))?:(.+)$/.exec(t);
    if (!m) throw new UsageError(`--node-taint "${t}": must be key[=value]:Effect`, command);
    const [, key, value, effect] = m;
    if (!(TAINT_EFFECTS as readonly string[]).includes(effect!)) throw new UsageError(`--node-taint "${t}": effect must be one of ${TAINT_EFFECTS.join(', ')}`, command);
    const errs = [...isQualifiedName(key!), ...(value ? isValidLabelValue(value) : [])];
    if (errs.length) throw new UsageError(`--node-taint "${t}": ${errs[0]}`, command);
    taints.push({ key: key!, ...(value ? { value } : {}), effect: effect as NodeTaint['effect'] });
  }
  return taints;
}
