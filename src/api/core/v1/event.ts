/** The core/v1 Event resource (the legacy events API kubectl describe and get events use). */
import { s } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';
import type { KubeObject, ResourceDef } from '../../types.js';
import { isDNS1123Subdomain } from '../../validation/names.js';
import { ObjectReference } from './common-schema.js';
import { NAME_COLUMN, col, since } from './table-util.js';
import { type Errs, FieldPath, invalid, msgs, required, validateQualifiedName } from './validation-util.js';

const CORE = 'io.k8s.api.core.v1';
const MicroTime = s.dateTime({ id: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime', format: 'date-time' });

export const EventSchema = kindSchema(
  `${CORE}.Event`,
  { group: '', version: 'v1', kind: 'Event' },
  {
    involvedObject: { ...ObjectReference },
    reason: s.string(),
    message: s.string(),
    source: s.object({ component: s.string(), host: s.string() }, { id: `${CORE}.EventSource` }),
    firstTimestamp: { ...Time },
    lastTimestamp: { ...Time },
    count: s.int32(),
    type: s.string(),
    eventTime: { ...MicroTime },
    series: s.object({ count: s.int32(), lastObservedTime: MicroTime }, { id: `${CORE}.EventSeries`, description: 'Data about the Event series this event represents.' }),
    action: s.string(),
    related: { ...ObjectReference },
    reportingComponent: s.string({ default: '' }),
    reportingInstance: s.string({ default: '' }),
  },
  { required: ['metadata', 'involvedObject'] },
);

interface V1ObjectRef { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string }
export interface V1Event extends KubeObject {
  involvedObject?: V1ObjectRef;
  reason?: string;
  message?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
  type?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  action?: string;
  reportingComponent?: string;
  reportingInstance?: string;
}
const asEvent = (o: KubeObject) => o as V1Event;

/** legacyValidateEvent, as applied to core/v1 writes. */
export function validateEvent(ev: V1Event): Errs {
  const errs: Errs = [];
  const ns = ev.metadata.namespace ?? '';
  const inv = ev.involvedObject ?? {};
  const invNsPath = FieldPath.root('involvedObject').child('namespace');
  if (!ev.eventTime) {
    if (!inv.namespace) {
      if (ns !== '' && ns !== 'default') errs.push(invalid(invNsPath, inv.namespace ?? '', 'does not match event.namespace'));
    } else if (ns !== inv.namespace) errs.push(invalid(invNsPath, inv.namespace, 'does not match event.namespace'));
  } else {
    if (!inv.namespace && ns !== 'default' && ns !== 'kube-system') errs.push(invalid(invNsPath, inv.namespace ?? '', 'does not match event.namespace'));
    const rc = ev.reportingComponent ?? '';
    if (!rc) errs.push(required(FieldPath.root('reportingComponent'), ''));
    errs.push(...validateQualifiedName(rc, FieldPath.root('reportingComponent')));
    const ri = ev.reportingInstance ?? '';
    if (!ri) errs.push(required(FieldPath.root('reportingInstance'), ''));
    if (ri.length > 128) errs.push(invalid(FieldPath.root('reportingInstance'), '', 'can have at most 128 characters'));
    if (!ev.action) errs.push(required(FieldPath.root('action'), ''));
    if ((ev.action ?? '').length > 128) errs.push(invalid(FieldPath.root('action'), '', 'can have at most 128 characters'));
    if (!ev.reason) errs.push(required(FieldPath.root('reason'), ''));
    if ((ev.reason ?? '').length > 128) errs.push(invalid(FieldPath.root('reason'), '', 'can have at most 128 characters'));
    if ((ev.message ?? '').length > 1024) errs.push(invalid(FieldPath.root('message'), '', 'can have at most 1024 characters'));
  }
  errs.push(...msgs(FieldPath.root('namespace'), ns, isDNS1123Subdomain(ns)));
  return errs;
}

function eventSource(ev: V1Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  if (!component) return '<unknown>';
  return instance ? `${component}, ${instance}` : component;
}

/** The row of printEvent: LAST SEEN, TYPE, REASON, OBJECT, SUBOBJECT, SOURCE, MESSAGE, FIRST SEEN, COUNT, NAME. */
export function eventCells(ev: V1Event, now: Date): unknown[] {
  const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
  let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
  let count = ev.count ?? 0;
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) count = 1;
  const inv = ev.involvedObject ?? {};
  const kind = (inv.kind ?? '').toLowerCase();
  const target = inv.name ? `${kind}/${inv.name}` : kind;
  return [last, ev.type ?? '', ev.reason ?? '', target, inv.fieldPath ?? '', eventSource(ev), (ev.message ?? '').trim(), first, count, ev.metadata.name ?? ''];
}

export const eventResource: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  schema: EventSchema,
  generation: false,
  strategy: {
    defaults: (o) => {
      // EventSource is a struct upstream: it always serialises.
      if (asEvent(o).source == null) asEvent(o).source = {};
    },
    validate: (o) => validateEvent(asEvent(o)),
  },
  table: {
    columns: [
      col('Last Seen', 'string', 'Time since the event last happened.'),
      col('Type', 'string', 'Normal or Warning.'),
      col('Reason', 'string', 'A short machine-readable cause of the event.'),
      col('Object', 'string', 'The kind/name of the object the event is about.'),
      col('Subobject', 'string', 'The part of the object the event is about (a field path), if any.', 1),
      col('Source', 'string', 'The component (and host) that reported the event.', 1),
      col('Message', 'string', 'The event message.'),
      col('First Seen', 'string', 'Time since the event first happened.', 1),
      col('Count', 'string', 'How many times the event happened.', 1),
      { ...NAME_COLUMN, priority: 1 },
    ],
    cells: (o, now) => eventCells(asEvent(o), now),
  },
  fieldSelectors: {
    'involvedObject.kind': (o) => asEvent(o).involvedObject?.kind ?? '',
    'involvedObject.namespace': (o) => asEvent(o).involvedObject?.namespace ?? '',
    'involvedObject.name': (o) => asEvent(o).involvedObject?.name ?? '',
    'involvedObject.uid': (o) => asEvent(o).involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (o) => asEvent(o).involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => asEvent(o).involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => asEvent(o).involvedObject?.fieldPath ?? '',
    reason: (o) => asEvent(o).reason ?? '',
    reportingComponent: (o) => asEvent(o).reportingComponent ?? '',
    source: (o) => asEvent(o).source?.component || asEvent(o).reportingComponent || '',
    type: (o) => asEvent(o).type ?? '',
  },
};
