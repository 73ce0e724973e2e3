/** The cluster client: transports, informers, work queues, events, leader election. */
export * from './types.js';
export type * from './informer-types.js';
export type { Transport, TransportRequest, TransportResponse, StreamCallbacks, StreamHandle } from './transport.js';
export { createRestClient, errorFromStatus, PATCH_CONTENT_TYPES } from './rest-client.js';
export { createHttpClient, createHttpTransport, clientFromKubeconfig, optionsFromKubeconfig, type HttpClientOptions } from './http-client.js';
export { createInformer, createInformerFactory, objectKey, splitKey, gvrKey, type InformerOptions, type InformerFactoryOptions } from './informer.js';
export { createWorkQueue, type WorkQueueOptions } from './work-queue.js';
export { resourcePath, groupVersionPath } from './paths.js';
export { createInProcessClient, createInProcessTransport, inProcessAuthenticator, type RequestListener } from './in-process.js';
export { createEventRecorder, COMBINED_PREFIX, type EventRecorder, type EventRecorderOptions, type EventSubject, type EventType } from './events.js';
export { createLeaderElector, type LeaderElector, type LeaderElectorOptions } from './leader-election.js';
