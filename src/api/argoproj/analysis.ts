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
    address: str('URL of the Prometheus server.'),
    query: str('The PromQL query whose result is measured.'),
    timeout: s.int64({ description: 'Seconds a query may take.' }),
    insecure: s.bool({ description: 'Do not verify the server\'s TLS certificate.' }),
    headers: s.array(s.object({ key: str(''), value: str('') }, { required: ['key', 'value'] }), { description: 'Extra HTTP headers sent with each request.' }),
    authentication: s.object(
      {
        sigv4: s.object({ region: str(''), profile: str(''), roleArn: str('') }, { description: 'AWS SigV4 request signing, for Amazon Managed Prometheus.' }),
        oauth2: s.object({ tokenUrl: str('Where the client-credentials token is requested.'), clientId: str('Client id for the token request.'), clientSecret: str('Client secret for the token request.'), scopes: strings('Scopes asked for in the token request.') }, { description: 'OAuth2 client-credentials login.' }),
      },
      { description: 'How to log in to the server.' },
    ),
    rangeQuery: s.object({ start: str('Expression giving the range\'s first instant.'), end: str('Expression giving the range\'s last instant.'), step: str('Spacing between the returned points.') }, { description: 'Run the query over a time range instead of at one instant.' }),
  },
  { description: 'Measure with a Prometheus query.' },
);

const Web = s.object(
  {
    method: str('HTTP method (GET when empty).'),
    url: str('The URL requested for each measurement.'),
    headers: s.array(s.object({ key: str(''), value: str('') }, { required: ['key', 'value'] }), { description: 'Extra HTTP headers sent with each request.' }),
    body: str('Request body as text, for POST or PUT.'),
    jsonBody: s.anyValue({ description: 'Request body as JSON, for POST or PUT.' }),
    timeoutSeconds: s.int64({ description: 'Seconds a request may take (10 when unset).' }),
    jsonPath: str('JSONPath picking the result out of the response (the whole document when unset).'),
    insecure: s.bool({ description: 'Do not verify the server\'s TLS certificate.' }),
    authentication: anyProvider('How to log in to the server.'),
  },
  { required: ['url'], description: 'Measure with an HTTP request and its JSON response.' },
);

export const MetricProvider = s.object(
  {
    prometheus: Prometheus,
    web: Web,
    job: s.object(
      { metadata: s.object({ labels: labels(''), annotations: labels('') }, { description: 'Labels and annotations for the Job.' }), spec: JobSpec },
      { required: ['spec'], description: 'Measure by running a Job: success when it completes, failure when it fails.' },
    ),
    kayenta: anyProvider('Measure with a Kayenta canary judgement.'),
    datadog: anyProvider('Measure with a Datadog query.'),
    wavefront: anyProvider('Measure with a Wavefront query.'),
    newRelic: anyProvider('Measure with a New Relic query.'),
    cloudWatch: anyProvider('Measure with AWS CloudWatch metric data.'),
    graphite: anyProvider('Measure with a Graphite query.'),
    influxdb: anyProvider('Measure with an InfluxDB query.'),
    skywalking: anyProvider('Measure with an Apache SkyWalking query.'),
    plugin: s.looseObject({}, { description: 'Measure with a metric plugin, keyed by plugin name.' }),
  },
  { description: 'Where measurements come from; set exactly one provider.' },
);

export const Metric = s.object(
  {
    name: str('The metric\'s name, unique in the template.'),
    interval: str('Time between measurements, such as 30s or 5m; one measurement when unset.'),
    initialDelay: str('Wait this long (e.g. 1m) before the first measurement.'),
    count: s.intOrString({ description: 'How many measurements to take: 1 when neither count nor interval is set, unbounded with only an interval; more than 1 needs an interval.' }),
    successCondition: str('Expression over result, the measured value, that marks a measurement successful, e.g. result[0] >= 0.95'),
    failureCondition: str('Expression over result that marks a measurement failed; one matching neither this nor successCondition is inconclusive.'),
    failureLimit: s.intOrString({ description: 'Failed measurements tolerated before the metric fails (0 when unset).' }),
    inconclusiveLimit: s.intOrString({ description: 'Inconclusive measurements tolerated before the metric is inconclusive (0 when unset).' }),
    consecutiveErrorLimit: s.intOrString({ description: 'Errors in a row tolerated before the metric errors (4 when unset).' }),
    consecutiveSuccessLimit: s.intOrString({ description: 'Successes in a row needed for the metric to succeed (0, no such rule, when unset).' }),
    provider: MetricProvider,
  },
  { required: ['name', 'provider'] },
);

export const AnalysisTemplateSpec = s.object(
  {
    metrics: s.array(Metric, { description: 'The metrics measured.' }),
    args: s.array(Argument, { description: 'Arguments the template takes, with optional defaults.' }),
    dryRun: DryRun,
    measurementRetention: MeasurementRetention,
  },
  { required: ['metrics'], description: 'The metrics to measure and the arguments they take.' },
);

export const AnalysisRunSpec = s.object(
  {
    metrics: s.array(Metric, { description: 'The metrics measured.' }),
    args: s.array(Argument, { description: 'Argument values for this run.' }),
    terminate: s.bool({ description: 'Set to stop the run early, for example once its rollout no longer needs it.' }),
    dryRun: DryRun,
    measurementRetention: MeasurementRetention,
    ttlStrategy: s.object({ secondsAfterCompletion: i32(''), secondsAfterFailure: i32(''), secondsAfterSuccess: i32('') }, { description: 'How long a finished run is kept, by outcome, before it is deleted.' }),
  },
  { required: ['metrics'], description: 'The metrics this run measures and its argument values.' },
);

export const AnalysisRunStatus = s.object(
  {
    phase: str('Where the run stands: Pending, Running, Successful, Failed, Error or Inconclusive.'),
    message: str('Why the run is in its phase, for people.'),
    metricResults: s.array(s.looseObject({ name: str(''), phase: str(''), count: i32(''), successful: i32(''), failed: i32(''), inconclusive: i32(''), error: i32(''), consecutiveError: i32(''), message: str('') }), { description: 'Per-metric outcome and measurement counts.' }),
    startedAt: s.dateTime({ description: 'When the run began.' }),
    runSummary: s.object({ count: i32(''), successful: i32(''), failed: i32(''), inconclusive: i32(''), error: i32('') }, { description: 'Counts of metrics by outcome.' }),
    dryRunSummary: s.object({ count: i32(''), successful: i32(''), failed: i32(''), inconclusive: i32(''), error: i32('') }, { description: 'Counts by outcome of the dry-run metrics.' }),
    completedAt: s.dateTime({ description: 'When the run finished.' }),
  },
  { required: ['phase'], description: 'How the run is going and what it measured.' },
);
