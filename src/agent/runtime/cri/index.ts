export { createCriClient, criProtoPath, toCriError, CRI_API_VERSION, type CriClient, type CriClientOptions } from './client.js';
