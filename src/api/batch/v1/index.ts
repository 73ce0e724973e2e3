/** batch/v1: Job and CronJob. */
import type { ResourceDef } from '../../types.js';
import { job } from './job.js';
import { cronJob } from './cronjob.js';

export * from './job.js';
export * from './cronjob.js';
export { cronScheduleError, isKnownTimeZone } from './cron.js';
export * as schemas from './schema.js';

export const resources: ResourceDef[] = [job, cronJob];
