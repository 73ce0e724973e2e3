/**
 * The scheduler: a pure framework (framework/, plugins/, queue/, explain/) and the I/O layer
 * (scheduler.ts) that feeds it from informers and writes its decisions through the API.
 */
export { Scheduler, DEFAULT_SCHEDULER_NAME, type SchedulerOptions, type SchedulerStats } from './scheduler.js';
export * from './framework/index.js';
export { defaultPlugins, defaultFramework, disruptionBudgetOf } from './plugins/index.js';
export * from './queue/index.js';
export * from './explain/index.js';
