/**
 * Small, self-contained ResourceDefs for apiserver tests, independent of the built-in kinds:
 * a Namespace (two-phase deletion), a ConfigMap-like `Note`, and a `Widget` with status and scale.
 */
import type { KubeObject, ResourceDef } from '../../api/types.js';
import { kindSchema } from '../../api/meta/v1.js';
import { s } from '../../api/schema/index.js';
import { fieldErrors } from '../../lib/field-error.js';
import { isDNS1123Label } from '../../api/validation/names.js';

export const testNamespace: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  schema: kindSchema('test.Namespace', { group: '', version: 'v1', kind: 'Namespace' }, {
    spec: s.object({ finalizers: s.array(s.string()) }),
    status: s.object({ phase: s.string() }),
  }),
  subresources: { status: true },
  generation: false,
  validateName: (n, prefix) => isDNS1123Label(prefix ? n.replace(/-$/, 'a') : n),
  strategy: {
    defaults(o) {
      const spec = (o['spec'] ??= {}) as { finalizers?: string[] };
      spec.finalizers ??= ['kubernetes'];
    },
    prepareForCreate(o) {
      o['status'] = { phase: 'Active' };
    },
  },
};

export const testNote: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Note',
  plural: 'notes',
  singular: 'note',
  namespaced: true,
  shortNames: ['nt'],
  categories: ['all'],
  schema: kindSchema('test.Note', { group: '', version: 'v1', kind: 'Note' }, {
    data: s.map(s.string()),
    immutable: s.bool(),
  }),
  fieldSelectors: { immutable: (o) => String(Boolean(o['immutable'])) },
  strategy: {
    validate(o) {
      const data = (o['data'] ?? {}) as Record<string, string>;
      return Object.keys(data)
        .filter((k) => !/^[-._a-zA-Z0-9]+$/.test(k))
        .map((k) => fieldErrors.invalid(`data[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
    },
  },
  table: {
    columns: [
      { name: 'Name', type: 'string', format: 'name' },
      { name: 'Data', type: 'integer' },
    ],
    cells: (o: KubeObject) => [o.metadata.name, Object.keys((o['data'] ?? {}) as object).length],
  },
};

export const testWidget: ResourceDef = {
  group: 'example.flotilla.dev',
  version: 'v1',
  kind: 'Widget',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  schema: kindSchema('test.Widget', { group: 'example.flotilla.dev', version: 'v1', kind: 'Widget' }, {
    spec: s.object({
      replicas: s.int32({ default: 1 }),
      selector: s.object({ matchLabels: s.map(s.string()) }),
      items: s.array(s.object({ name: s.string(), value: s.string() }), { mergeKey: 'name', strategy: 'merge' }),
      tags: s.array(s.string()),
    }),
    status: s.object({ replicas: s.int32(), ready: s.bool() }),
  }),
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
  strategy: {
    validate(o) {
      const r = ((o['spec'] ?? {}) as { replicas?: number }).replicas;
      return r !== undefined && r < 0 ? [fieldErrors.invalid('spec.replicas', r, 'must be greater than or equal to 0')] : [];
    },
  },
};

export const testResources: ResourceDef[] = [testNamespace, testNote, testWidget];
