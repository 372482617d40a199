import { describe, expect, it } from 'vitest';
import { parseRecords } from '../../../shared/processor/parse.js';
import { dlpRecord } from './helpers.js';

const TARGET_BYTES = 50 * 1024 * 1024;
const CHUNK = 64 * 1024;

/** A ~50 MB JSON array produced on the fly, never held in memory as a whole. */
async function* generatedBody(): AsyncGenerator<Uint8Array> {
  const template = dlpRecord();
  let pending = '[';
  let produced = 0;
  let n = 0;
  while (produced < TARGET_BYTES) {
    pending += `${n === 0 ? '' : ','}${JSON.stringify({ ...template, Id: `rec-${n}`, Seq: n })}`;
    n++;
    if (pending.length >= CHUNK) {
      const bytes = Buffer.from(pending);
      produced += bytes.length;
      pending = '';
      await Promise.resolve(); // arrives like network data, one tick at a time
      yield bytes;
    }
  }
  yield Buffer.from(`${pending}]`);
}

describe('parseRecords memory', () => {
  it('parses a ~50 MB streamed body with heap growth far below the body size', async () => {
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let count = 0;
    let lastSeq = -1;
    for await (const item of parseRecords(generatedBody())) {
      expect(item.kind).toBe('record');
      if (item.kind === 'record') lastSeq = item.record.Seq as number;
      if (++count % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    const growthMb = (peak - baseline) / (1024 * 1024);
    console.log(`parsed ${count} records (~50 MB); peak heap growth ${growthMb.toFixed(1)} MB`);
    expect(count).toBeGreaterThan(20_000);
    expect(lastSeq).toBe(count - 1);
    expect(growthMb).toBeLessThan(64);
  });
});
