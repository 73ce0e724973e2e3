/** autoscaling/v2: the stored version of HorizontalPodAutoscaler. */
import type { ResourceDef } from '../../types.js';
import { horizontalPodAutoscalerV2 } from './hpa.js';

export * from './hpa.js';
export * as schemas from './schema.js';

export const resources: ResourceDef[] = [horizontalPodAutoscalerV2];
