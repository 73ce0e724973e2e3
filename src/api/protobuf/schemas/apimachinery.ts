/**
 * k8s.io/apimachinery messages (meta/v1, runtime, intstr, resource), as go-to-protobuf numbers them
 * in upstream's generated.proto files. Field names are the JSON names. Markers: see markers.ts.
 */
import { K } from './markers.js';

export const apimachinery = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }
message RawExtension { optional bytes raw = 1; }
`;

export const intstr = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
`;

export const resource = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;
message Quantity { optional string string = 1; }
`;

export const metaV1 = `
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message MicroTime { optional int64 seconds = 1; optional int32 nanos = 2; }
message Duration { optional int64 duration = 1; }
message FieldsV1 { optional bytes Raw = 1; }
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3;
  optional string selfLink = 4; optional string uid = 5; optional string resourceVersion = 6;
  optional int64 generation = 7; optional Time creationTimestamp = 8; optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10${K};
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}
message ListMeta { optional string selfLink = 1; optional string resourceVersion = 2; optional string continue = 3; optional int64 remainingItemCount = 4${K}; }
message OwnerReference {
  optional string kind = 1${K}; optional string name = 3${K}; optional string uid = 4${K};
  optional string apiVersion = 5${K}; optional bool controller = 6${K}; optional bool blockOwnerDeletion = 7${K};
}
message ManagedFieldsEntry {
  optional string manager = 1; optional string operation = 2; optional string apiVersion = 3;
  optional Time time = 4; optional string fieldsType = 6; optional FieldsV1 fieldsV1 = 7; optional string subresource = 8;
}
message LabelSelector { map<string, string> matchLabels = 1; repeated LabelSelectorRequirement matchExpressions = 2; }
message LabelSelectorRequirement { optional string key = 1${K}; optional string operator = 2${K}; repeated string values = 3; }
message Condition {
  optional string type = 1${K}; optional string status = 2${K}; optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4; optional string reason = 5${K}; optional string message = 6${K};
}
message Preconditions { optional string uid = 1${K}; optional string resourceVersion = 2${K}; }
message DeleteOptions {
  optional int64 gracePeriodSeconds = 1${K}; optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3${K}; optional string propagationPolicy = 4${K}; repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6${K};
}
message CreateOptions { repeated string dryRun = 1; optional string fieldManager = 3; }
message UpdateOptions { repeated string dryRun = 1; optional string fieldManager = 2; }
message PatchOptions { repeated string dryRun = 1; optional bool force = 2${K}; optional string fieldManager = 3; }
message GroupVersionKind { optional string group = 1${K}; optional string version = 2${K}; optional string kind = 3${K}; }
`;
