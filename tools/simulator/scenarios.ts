/** Ready-made fault and lateness presets (`--scenario`). */
import type { FaultConfig, ScenarioName } from './types.js';

export interface Scenario {
  faults: FaultConfig;
  /** Share of generated blobs listed after their contentCreated. */
  lateFraction: number;
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  clean: { faults: {}, lateFraction: 0 },
  throttle403: { faults: { throttle403: 0.2 }, lateFraction: 0 },
  throttle429: { faults: { throttle429: 0.2, retryAfterSeconds: 1 }, lateFraction: 0 },
  flaky: {
    faults: {
      internalError: 0.05,
      unavailable: 0.05,
      timeout408: 0.03,
      connectionReset: 0.03,
      slow: 0.1,
      slowMs: 200,
    },
    lateFraction: 0,
  },
  truncated: { faults: { truncatedBody: 0.2, malformedJson: 0.05, kinds: ['blob'] }, lateFraction: 0 },
  late: { faults: {}, lateFraction: 0.15 },
  chaos: {
    faults: {
      throttle403: 0.03,
      throttle429: 0.03,
      retryAfterSeconds: 1,
      internalError: 0.03,
      unavailable: 0.03,
      timeout408: 0.02,
      connectionReset: 0.02,
      truncatedBody: 0.03,
      malformedJson: 0.02,
      slow: 0.05,
      slowMs: 150,
      revokedToken: 0.01,
    },
    lateFraction: 0.15,
  },
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as ScenarioName[];

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as string[]).includes(value);
}
