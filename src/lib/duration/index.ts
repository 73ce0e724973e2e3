/** Go durations (time.ParseDuration / Duration.String) and kubectl age formatting. Pure; no clock. */
export {
  type Duration,
  NANOSECOND,
  MICROSECOND,
  MILLISECOND,
  SECOND,
  MINUTE,
  HOUR,
  DurationError,
  parseDuration,
  formatDuration,
  fromMillis,
  toMillis,
  fromSeconds,
  humanDuration,
  shortHumanDuration,
  humanAge,
} from './duration.js';
