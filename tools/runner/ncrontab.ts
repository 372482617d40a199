/**
 * NCRONTAB as the Functions timer reads it: `{second} {minute} {hour} {day} {month} {day-of-week}`
 * (a five-field form without seconds is accepted too), UTC. Supports `*`, lists, ranges and steps.
 */
const RANGES: Array<[number, number]> = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

function parseField(field: string, [min, max]: [number, number]): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) [lo, hi] = range.split('-').map(Number) as [number, number];
    else [lo, hi] = [Number(range), stepText === undefined ? Number(range) : max];
    if (![lo, hi, step].every(Number.isInteger) || step < 1 || lo < min || hi > max || lo > hi) {
      throw new Error(`invalid NCRONTAB field '${field}' (accepted ${min}-${max})`);
    }
    for (let v = lo; v <= hi; v += step) values.add(v === 7 && max === 6 ? 0 : v);
  }
  return values;
}

export interface Schedule {
  next(after: Date): Date;
}

export function parseSchedule(expression: string): Schedule {
  let fields = expression.trim().split(/\s+/);
  if (fields.length === 5) fields = ['0', ...fields];
  if (fields.length !== 6) throw new Error(`NCRONTAB needs 6 fields: ${expression}`);
  const sets = fields.map((f, i) => parseField(f, RANGES[i]!));
  const [sec, min, hour, day, month, dow] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  return {
    next(after) {
      const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
      // Bounded walk: at most a little over a year of minutes, seconds checked inside a matching minute.
      for (let guard = 0; guard < 600_000; guard++) {
        if (!month.has(t.getUTCMonth() + 1) || !day.has(t.getUTCDate()) || !dow.has(t.getUTCDay())) {
          t.setUTCHours(0, 0, 0, 0);
          t.setUTCDate(t.getUTCDate() + 1);
          continue;
        }
        if (!hour.has(t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (!min.has(t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        if (!sec.has(t.getUTCSeconds())) {
          t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
          continue;
        }
        return new Date(t);
      }
      throw new Error(`NCRONTAB ${expression} has no occurrence within a year`);
    },
  };
}
