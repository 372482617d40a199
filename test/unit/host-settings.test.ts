import { describe, expect, it } from 'vitest';
import { parseTimeSpan, readQueueTriggerSettings } from '../../shared/host-settings.js';

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
});
