/**
 * Record and replay: `--record FILE` appends every snapshot as one JSON line
 * (rotated by size), `--replay FILE` plays a recording back through the
 * monitor's `source`. The file format is specified in src/record/README.md.
 * @module
 */
export {
  RECORDING_VERSION,
  HEADER_KEY,
  MAX_LABEL_CHARS,
  compactJson,
  sampleLine,
  errorLine,
  headerLine,
  parseHeader,
  parseRecordPrefix,
  type RecordingHeader,
  type RecordPrefix,
} from './lines.js';
export {
  Recorder,
  RecordError,
  DEFAULT_RECORD_MAX_BYTES,
  DEFAULT_RECORD_KEEP,
  DEFAULT_MAX_PENDING_BYTES,
  type RecorderOptions,
  type RecorderStats,
} from './recorder.js';
export { RecordingIndex, DEFAULT_READ_BUFFER, type IndexOptions, type RecordEntry, type RecordingInfo } from './reader.js';
export {
  Replay,
  REPLAY_SPEEDS,
  MIN_REPLAY_SPEED,
  MAX_REPLAY_SPEED,
  UNKNOWN_ADDR,
  realScheduler,
  type ReplayControl,
  type ReplayOptions,
  type ReplayScheduler,
  type ReplayState,
} from './replay.js';
export {
  ReplayClock,
  clampSpeed,
  type ReplayClockOptions,
} from './clock.js';
export { FleetReplay, type FleetReplayOptions, type FleetReplayState, type ReplayedTarget } from './fleet-replay.js';
export { recordingSource, type RecordingSourceOptions } from './source.js';
