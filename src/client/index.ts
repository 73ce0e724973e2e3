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
