/**
 * events.k8s.io/v1 Event, stored as the core/v1 Event (upstream keeps both in one place). The
 * conversion mirrors pkg/apis/events/v1/conversion.go: regarding ⇄ involvedObject, note ⇄ message,
 * reportingController ⇄ reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count ⇄
 * source/firstTimestamp/lastTimestamp/count; eventTime, series, action, reason, related,
 * reportingInstance and type carry over.
 *
 * Contract with the apiserver: the strategy runs on the events.k8s.io shape (it converts internally
 * and reports upstream's field paths, which are the core/v1 names because upstream validates the
 * internal object); `conversion.toStorage` runs before persisting, `fromStorage` for responses.
 */
import { fieldErrors, type FieldError } from '../../../lib/field-error.js';
import type { KubeObject, ResourceDef, StrategyContext } from '../../types.js';
import { s, type Schema } from '../../schema/index.js';
import { Time, kindSchema } from '../../meta/v1.js';
import { eventResource, type V1Event } from '../../core/v1/index.js';
import { ObjectReferenceInline, asRecord, clone, jsonEqual } from '../../apps/shared/index.js';

const P = 'io.k8s.api.events.v1';
const MicroTime = s.dateTime({ id: 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime', format: 'date-time' });

export const EventSeries = s.object(
  {
    count: s.int32(),
    lastObservedTime: MicroTime,
  },
  { id: `${P}.EventSeries`, required: ['count', 'lastObservedTime'] },
);

export const EventSchema: Schema = kindSchema(
  `${P}.Event`,
  { group: 'events.k8s.io', version: 'v1', kind: 'Event' },
  {
    eventTime: MicroTime,
    series: EventSeries,
    reportingController: s.string(),
    reportingInstance: s.string(),
    action: s.string(),
    reason: s.string(),
    regarding: ObjectReferenceInline,
    related: ObjectReferenceInline,
    note: s.string({ description: 'note is a human-readable description of the status of this operation. Maximal length of the note is 1kB.' }),
    type: s.string(),
    deprecatedSource: s.object(
      { component: s.string(), host: s.string() },
      {},
    ),
    deprecatedFirstTimestamp: Time,
    deprecatedLastTimestamp: Time,
    deprecatedCount: s.int32(),
  },
  { required: ['eventTime'] },
);

type Ref = Record<string, unknown>;
/** Typed view of an events.k8s.io/v1 Event. */
export interface EventV1 extends KubeObject {
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  reportingController?: string;
  reportingInstance?: string;
  action?: string;
  reason?: string;
  regarding?: Ref;
  related?: Ref;
  note?: string;
  type?: string;
  deprecatedSource?: { component?: string; host?: string };
  deprecatedFirstTimestamp?: string;
  deprecatedLastTimestamp?: string;
  deprecatedCount?: number;
}
/** Typed view of the stored core/v1 Event. */
export type CoreEvent = V1Event & { related?: Ref };

function set(out: Record<string, unknown>, key: string, v: unknown): void {
  if (v !== undefined && v !== null && v !== '' && v !== 0) out[key] = clone(v);
}

/** events.k8s.io/v1 → core/v1 (Convert_v1_Event_To_core_Event). */
export function eventV1ToCore(obj: KubeObject): KubeObject {
  const e = obj as EventV1;
  const out: Record<string, unknown> = { apiVersion: 'v1', kind: 'Event', metadata: clone(obj.metadata) };
  out.involvedObject = clone(asRecord(e.regarding) ?? {});
  set(out, 'reason', e.reason);
  set(out, 'message', e.note);
  out.source = clone(asRecord(e.deprecatedSource) ?? {});
  set(out, 'firstTimestamp', e.deprecatedFirstTimestamp);
  set(out, 'lastTimestamp', e.deprecatedLastTimestamp);
  set(out, 'count', e.deprecatedCount);
  set(out, 'type', e.type);
  set(out, 'eventTime', e.eventTime);
  if (asRecord(e.series)) out.series = clone(e.series);
  set(out, 'action', e.action);
  if (asRecord(e.related)) out.related = clone(e.related);
  out.reportingComponent = e.reportingController ?? '';
  out.reportingInstance = e.reportingInstance ?? '';
  return out as KubeObject;
}

/** core/v1 → events.k8s.io/v1 (Convert_core_Event_To_v1_Event). */
export function eventCoreToV1(obj: KubeObject): KubeObject {
  const e = obj as CoreEvent;
  const out: Record<string, unknown> = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: clone(obj.metadata) };
  set(out, 'eventTime', e.eventTime);
  if (asRecord(e.series)) out.series = clone(e.series);
  set(out, 'reportingController', e.reportingComponent);
  set(out, 'reportingInstance', e.reportingInstance);
  set(out, 'action', e.action);
  set(out, 'reason', e.reason);
  out.regarding = clone(asRecord(e.involvedObject) ?? {});
  if (asRecord(e.related)) out.related = clone(e.related);
  set(out, 'note', e.message);
  set(out, 'type', e.type);
  out.deprecatedSource = clone(asRecord(e.source) ?? {});
  set(out, 'deprecatedFirstTimestamp', e.firstTimestamp);
  set(out, 'deprecatedLastTimestamp', e.lastTimestamp);
  set(out, 'deprecatedCount', e.count);
  return out as KubeObject;
}

/** The core/v1 shape of whatever the apiserver hands us (served or stored). */
function toCore(obj: KubeObject): CoreEvent {
  return (obj.apiVersion === 'events.k8s.io/v1' ? eventV1ToCore(obj) : obj) as CoreEvent;
}

/** ValidateEventCreate for events.k8s.io/v1: legacy rules plus the strict ones (core field paths). */
export function validateEventV1(obj: KubeObject, ctx: StrategyContext): FieldError[] {
  const ev = toCore(obj);
  const errs: FieldError[] = [...(eventResource.strategy?.validate?.(ev, ctx) ?? [])];
  if (ev.series) {
    if ((ev.series.count ?? 0) < 2) errs.push(fieldErrors.invalid('series.count', '', 'should be at least 2'));
    if (!ev.series.lastObservedTime) errs.push(fieldErrors.required('series.lastObservedTime'));
  }
  if (!ev.eventTime) errs.push(fieldErrors.required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(fieldErrors.invalid('type', '', `has invalid value: ${ev.type ?? ''}`));
  if (ev.firstTimestamp) errs.push(fieldErrors.invalid('firstTimestamp', '', 'needs to be unset'));
  if (ev.lastTimestamp) errs.push(fieldErrors.invalid('lastTimestamp', '', 'needs to be unset'));
  if (ev.count) errs.push(fieldErrors.invalid('count', '', 'needs to be unset'));
  if (ev.source?.component || ev.source?.host) errs.push(fieldErrors.invalid('source', '', 'needs to be unset'));
  return errs;
}

const IMMUTABLE: [keyof CoreEvent, string][] = [
  ['involvedObject', 'involvedObject'],
  ['reason', 'reason'],
  ['message', 'message'],
  ['source', 'source'],
  ['firstTimestamp', 'firstTimestamp'],
  ['lastTimestamp', 'lastTimestamp'],
  ['count', 'count'],
  ['related', 'related'],
  ['reportingComponent', 'reportingComponent'],
  ['reportingInstance', 'reportingInstance'],
  ['type', 'type'],
  ['eventTime', 'eventTime'],
  ['action', 'action'],
];

/** ValidateEventUpdate's strict immutability (events.k8s.io/v1 writes only). */
export function validateEventV1Update(obj: KubeObject, old: KubeObject): FieldError[] {
  const n = toCore(obj);
  const o = toCore(old);
  const errs: FieldError[] = [];
  for (const [k, p] of IMMUTABLE) {
    const a = n[k] ?? null;
    const b = o[k] ?? null;
    const emptyish = (v: unknown) => v === null || v === '' || v === 0 || (asRecord(v) !== undefined && Object.keys(v as object).length === 0);
    if (emptyish(a) && emptyish(b)) continue;
    if (!jsonEqual(a, b)) errs.push(fieldErrors.invalid(p, a, 'field is immutable'));
  }
  return errs;
}

const pick = (o: KubeObject, v1: (e: EventV1) => unknown, core: (e: CoreEvent) => unknown): string => {
  const v = o.apiVersion === 'events.k8s.io/v1' ? v1(o as EventV1) : core(o as CoreEvent);
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
};

/**
 * Upstream's field label mapping for events.k8s.io/v1 (regarding.* ⇄ involvedObject.*,
 * reportingController ⇄ reportingComponent). Works on either shape.
 */
export const eventV1FieldSelectors: Record<string, (obj: KubeObject) => string | undefined> = {
  reason: (o) => pick(o, (e) => e.reason, (e) => e.reason),
  type: (o) => pick(o, (e) => e.type, (e) => e.type),
  reportingController: (o) => pick(o, (e) => e.reportingController, (e) => e.reportingComponent),
  ...Object.fromEntries(
    ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'].map((f) => [
      `regarding.${f}`,
      (o: KubeObject) => pick(o, (e) => e.regarding?.[f], (e) => (e.involvedObject as Ref | undefined)?.[f]),
    ]),
  ),
};

export const eventV1: ResourceDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  schema: EventSchema,
  generation: false,
  strategy: {
    validate: validateEventV1,
    validateUpdate: (obj, old) => validateEventV1Update(obj, old),
  },
  table: eventResource.table && {
    columns: eventResource.table.columns,
    cells: (obj, now) => eventResource.table!.cells(toCore(obj), now),
  },
  fieldSelectors: eventV1FieldSelectors,
  conversion: { storageVersion: 'v1', toStorage: eventV1ToCore, fromStorage: eventCoreToV1 },
};

export const resources: ResourceDef[] = [eventV1];
