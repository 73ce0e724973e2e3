export { OpenApiV3Service, type OpenApiDocument, type OpenApiIndex, type OpenApiV3Options } from './service.js';
export { buildGroupVersionDocument, gvPath, operationPrefix, type DocumentInfo } from './document.js';
export { SchemaEmitter, componentIdFor } from './schema-emitter.js';
