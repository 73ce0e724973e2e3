/**
 * argoproj.io/v1alpha1 AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun schemas (Argo
 * Rollouts' analysis types). The metric providers Flotilla has a use for (prometheus, web, job) are
 * spelled out; the others keep their content as given (x-kubernetes-preserve-unknown-fields).
 */
import { s, type Schema } from '../schema/index.js';
import { JobSpec } from '../batch/v1/schema.js';
import { Argument, DryRun, MeasurementRetention, i32, labels, str, strings } from './common.js';

const anyProvider = (description: string): Schema => s.looseObject({}, { description });

const Prometheus = s.object(
  {
    address: str('Address is the HTTP address and port of the prometheus server'),
    query: str('Query is a raw prometheus query to perform'),
    timeout: s.int64({ description: 'Timeout represents the duration within which a prometheus query should complete. It is expressed in seconds.' }),
    insecure: s.bool({ description: 'Insecure skips host TLS verification' }),
    headers: s.array(s.object({ key: str(''), value: str('') }, { required: ['key', 'value'] }), { description: 'Headers are optional HTTP headers to use in the request' }),
    authentication: s.object(
      {
        sigv4: s.object({ region: str(''), profile: str(''), roleArn: str('') }, { description: 'Sigv4 Config is the aws SigV4 configuration to use for SigV4 signing if using Amazon Managed Prometheus' }),
        oauth2: s.object({ tokenUrl: str('OAuth2 provider token URL'), clientId: str('OAuth2 client ID'), clientSecret: str('OAuth2 client secret'), scopes: strings('OAuth2 scopes') }, { description: 'OAuth2 config' }),
      },
      { description: 'Authentication details' },
    ),
    rangeQuery: s.object({ start: str('start is the expression for the start of the range'), end: str('end is the expression for the end of the range'), step: str('step is the resolution of the query') }, { description: 'RangeQuery runs a range query' }),
  },
  { description: 'Prometheus specifies the prometheus metric to query' },
);

const Web = s.object(
  {
    method: str('Method is the method of the web metric (empty defaults to GET)'),
    url: str('URL is the address of the web metric'),
    headers: s.array(s.object({ key: str(''), value: str('') }, { required: ['key', 'value'] }), { description: 'Headers are optional HTTP headers to use in the request' }),
    body: str('Body is the body of the web metric (must be POST/PUT)'),
    jsonBody: s.anyValue({ description: 'JSONBody is the body of the web metric in a json format (method must be POST/PUT)' }),
    timeoutSeconds: s.int64({ description: 'TimeoutSeconds is the timeout for the request in seconds (default: 10)' }),
    jsonPath: str('JSONPath is a JSON Path to use as the result variable (default: "{$}")'),
    insecure: s.bool({ description: 'Insecure skips host TLS verification' }),
    authentication: anyProvider('Authentication details'),
  },
  { required: ['url'], description: 'Web specifies a generic HTTP web metric' },
);

export const MetricProvider = s.object(
  {
    prometheus: Prometheus,
    web: Web,
    job: s.object(
      { metadata: s.object({ labels: labels(''), annotations: labels('') }, { description: 'Metadata labels and annotations that will be added to the Job' }), spec: JobSpec },
      { required: ['spec'], description: 'Job specifies the job metric run' },
    ),
    kayenta: anyProvider('Kayenta specifies a Kayenta metric'),
    datadog: anyProvider('Datadog specifies a datadog metric to query'),
    wavefront: anyProvider('Wavefront specifies the wavefront metric to query'),
    newRelic: anyProvider('NewRelic specifies the newrelic metric to query'),
    cloudWatch: anyProvider('CloudWatch specifies the cloudWatch metric to query'),
    graphite: anyProvider('Graphite specifies the Graphite metric to query'),
    influxdb: anyProvider('Influxdb specifies the influxdb metric to query'),
    skywalking: anyProvider('SkyWalking specifies the skywalking metric to query'),
    plugin: s.looseObject({}, { description: 'Plugin specifies the hashicorp go-plugin metric to query' }),
  },
  { description: 'Provider configuration to the external system to use to verify the analysis' },
);

export const Metric = s.object(
  {
    name: str('Name is the name of the metric'),
    interval: str('Interval defines an interval string (e.g. 30s, 5m, 1h) between each measurement. If omitted, will perform a single measurement'),
    initialDelay: str('InitialDelay how long the AnalysisRun should wait before starting this metric'),
    count: s.intOrString({ description: 'Count is the number of times to run the measurement. If both interval and count are omitted, the effective count is 1. If only interval is specified, metric runs indefinitely. If count > 1, interval must be specified.' }),
    successCondition: str('SuccessCondition is an expression which determines if a measurement is considered successful Expression is a goevaluate expression. The keyword `result` is a variable reference to the value of measurement. Results can be both structured data or primitive. Examples: result > 10; (result.requests_made * result.requests_succeeded / 100) >= 90'),
    failureCondition: str('FailureCondition is an expression which determines if a measurement is considered failed If both success and failure conditions are specified, and the measurement does not fall into either condition, the measurement is considered Inconclusive'),
    failureLimit: s.intOrString({ description: 'FailureLimit is the maximum number of times the measurement is allowed to fail, before the entire metric is considered Failed (default: 0)' }),
    inconclusiveLimit: s.intOrString({ description: 'InconclusiveLimit is the maximum number of times the measurement is allowed to measure Inconclusive, before the entire metric is considered Inconclusive (default: 0)' }),
    consecutiveErrorLimit: s.intOrString({ description: 'ConsecutiveErrorLimit is the maximum number of times the measurement is allowed to error in succession, before the metric is considered error (default: 4)' }),
    consecutiveSuccessLimit: s.intOrString({ description: 'ConsecutiveSuccessLimit is the number of consecutive times the measurement must succeed for the entire metric to be considered Successful (default: 0)' }),
    provider: MetricProvider,
  },
  { required: ['name', 'provider'] },
);

export const AnalysisTemplateSpec = s.object(
  {
    metrics: s.array(Metric, { description: 'Metrics contains the list of metrics to query as part of an analysis run' }),
    args: s.array(Argument, { description: 'Args are the list of arguments to the template' }),
    dryRun: DryRun,
    measurementRetention: MeasurementRetention,
  },
  { required: ['metrics'], description: 'AnalysisTemplateSpec is the specification for a AnalysisTemplate resource' },
);

export const AnalysisRunSpec = s.object(
  {
    metrics: s.array(Metric, { description: 'Metrics contains the list of metrics to query as part of an analysis run' }),
    args: s.array(Argument, { description: 'Args are the list of arguments used in this run' }),
    terminate: s.bool({ description: 'Terminate is used to prematurely stop the run (e.g. rollout completed and analysis is no longer desired)' }),
    dryRun: DryRun,
    measurementRetention: MeasurementRetention,
    ttlStrategy: s.object({ secondsAfterCompletion: i32(''), secondsAfterFailure: i32(''), secondsAfterSuccess: i32('') }, { description: 'TtlStrategy object contains the strategy for the time to live depending on if the analysis succeeded or failed' }),
  },
  { required: ['metrics'], description: 'AnalysisRunSpec is the spec for a AnalysisRun resource' },
);

export const AnalysisRunStatus = s.object(
  {
    phase: str('Phase is the status of the analysis run'),
    message: str('Message is a message explaining current status'),
    metricResults: s.array(s.looseObject({ name: str(''), phase: str(''), count: i32(''), successful: i32(''), failed: i32(''), inconclusive: i32(''), error: i32(''), consecutiveError: i32(''), message: str('') }), { description: 'MetricResults contains the metrics collected during the run' }),
    startedAt: s.dateTime({ description: 'StartedAt indicates when the analysisRun first started' }),
    runSummary: s.object({ count: i32(''), successful: i32(''), failed: i32(''), inconclusive: i32(''), error: i32('') }, { description: 'RunSummary contains the final results from the metric executions' }),
    dryRunSummary: s.object({ count: i32(''), successful: i32(''), failed: i32(''), inconclusive: i32(''), error: i32('') }, { description: 'DryRunSummary contains the final results from the metric executions in the dry-run mode' }),
    completedAt: s.dateTime({ description: 'CompletedAt indicates when the analysisRun completed' }),
  },
  { required: ['phase'], description: 'AnalysisRunStatus is the status for a AnalysisRun resource' },
);
