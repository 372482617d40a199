import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.js';
import { parseTimeSpan, readQueueTriggerSettings } from '../../shared/host-settings.js';

const Q = 'AzureFunctionsJobHost__extensions__queues__';

function problemsOf(env: Record<string, string>): string[] {
  try {
    readQueueTriggerSettings(env, 'host.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected the overrides to be rejected');
}

describe('queue trigger settings from host.json', () => {
  it('reads the project host.json: maxDequeueCount 5, a non-zero visibility timeout, base64', () => {
    const s = readQueueTriggerSettings({}, 'host.json');
    expect(s.maxDequeueCount).toBe(5);
    expect(s.visibilityTimeoutMs).toBeGreaterThan(0);
    expect(s.messageEncoding).toBe('base64');
    expect(s.batchSize).toBeGreaterThan(0);
  });

  it('lets AzureFunctionsJobHost__ app settings override host.json, as the host does', () => {
    const s = readQueueTriggerSettings(
      {
        AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '2',
        AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:01',
      },
      'host.json',
    );
    expect(s.maxDequeueCount).toBe(2);
    expect(s.visibilityTimeoutMs).toBe(1000);
  });

  it('falls back to the host defaults without a host.json', () => {
    expect(readQueueTriggerSettings({}, null)).toMatchObject({
      batchSize: 16,
      maxDequeueCount: 5,
      visibilityTimeoutMs: 0,
    });
  });

  it('parses TimeSpans and rejects garbage', () => {
    expect(parseTimeSpan('00:00:30')).toBe(30_000);
    expect(parseTimeSpan('1.00:00:00')).toBe(86_400_000);
    expect(parseTimeSpan('00:01:00.5')).toBe(60_500);
    expect(() => parseTimeSpan('thirty seconds')).toThrow(/TimeSpan/);
  });

  it('takes every override, encoding case-insensitively, and ignores blank ones', () => {
    expect(
      readQueueTriggerSettings(
        {
          [`${Q}batchSize`]: '4',
          [`${Q}newBatchThreshold`]: '0',
          [`${Q}maxPollingInterval`]: '00:00:02',
          [`${Q}messageEncoding`]: 'None',
          [`${Q}maxDequeueCount`]: ' ',
        },
        'host.json',
      ),
    ).toEqual({
      batchSize: 4,
      newBatchThreshold: 0,
      maxDequeueCount: 5,
      visibilityTimeoutMs: 30_000,
      maxPollingIntervalMs: 2000,
      messageEncoding: 'none',
    });
  });

  it.each([
    ['maxDequeueCount', '-1', 'not a whole number'],
    ['batchSize', 'sixteen', 'not a whole number'],
    ['newBatchThreshold', '1.5', 'not a whole number'],
    ['visibilityTimeout', '30s', 'not a duration'],
    ['maxPollingInterval', '10', 'not a duration'],
    ['messageEncoding', 'utf8', 'accepted: base64, none'],
  ])('refuses %s = %j, naming the setting and what is accepted', (key, value, fragment) => {
    const problems = problemsOf({ [`${Q}${key}`]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.startsWith(`${Q}${key}: ${JSON.stringify(value)} `), problems[0]).toBe(true);
    expect(problems[0]).toContain(fragment);
  });

  it('reports every bad override at once', () => {
    const problems = problemsOf({ [`${Q}batchSize`]: 'x', [`${Q}visibilityTimeout`]: 'y' });
    expect(problems.map((p) => p.split(':')[0])).toEqual([`${Q}batchSize`, `${Q}visibilityTimeout`]);
  });
});
