/** Realistic-looking building blocks: people, addresses, files, and sensitive values for DLP. */
import type { Rng } from '../prng.js';

const FIRST = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'oscar',
];
const LAST = ['smith', 'jones', 'garcia', 'chen', 'novak', 'okafor', 'silva', 'kowalski', 'nguyen', 'muller'];

export function person(rng: Rng, domain: string): { upn: string; name: string; puid: string } {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  return {
    upn: `${first}.${last}@${domain}`,
    name: `${first[0]?.toUpperCase() ?? ''}${first.slice(1)} ${last[0]?.toUpperCase() ?? ''}${last.slice(1)}`,
    puid: `1003${rng.hex(12).toUpperCase()}`,
  };
}

/**
 * ClientIP as the service writes it: plain IPv4/IPv6 mostly, sometimes with a port, IPv6 with a
 * port in brackets. Documentation ranges only (RFC 5737 / RFC 3849).
 */
export function clientIp(rng: Rng): string {
  const v4 = `${rng.pick(['192.0.2', '198.51.100', '203.0.113'])}.${rng.int(1, 254)}`;
  const v6 = `2001:db8:${rng.hex(4)}::${rng.hex(3)}`;
  const r = rng.next();
  if (r < 0.6) return v4;
  if (r < 0.75) return `${v4}:${rng.int(1024, 65535)}`;
  if (r < 0.9) return v6;
  if (r < 0.97) return `[${v6}]:${rng.int(1024, 65535)}`;
  return `[::1]:${rng.int(100, 999)}`;
}

export function plainIp(rng: Rng): string {
  return `${rng.pick(['192.0.2', '198.51.100', '203.0.113'])}.${rng.int(1, 254)}`;
}

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17531; Pro)',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'OneDriveMpc-Transform_Thumbnail/1.0',
  'Microsoft SkyDriveSync 24.070.0407.0003 ship; Windows NT 10.0 (19045)',
];

export const SITES = ['Finance', 'HR', 'Engineering', 'Sales', 'Legal', 'Marketing'];
export const FILES = [
  'Q3 forecast.xlsx',
  'Offer letter.docx',
  'Roadmap.pptx',
  'Contract draft.docx',
  'Budget 2025.xlsx',
  'notes.txt',
];
export const SUBJECTS = [
  'Weekly sync',
  'Invoice attached',
  'Re: contract',
  'Lunch?',
  'Quarterly numbers',
  'Project kickoff',
];

/** Luhn check digit so the card numbers look like what a DLP engine matches. */
function luhnComplete(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${partial}${(10 - (sum % 10)) % 10}`;
}

export function creditCard(rng: Rng): string {
  let digits = rng.pick(['4', '51', '52', '53', '54', '55']);
  while (digits.length < 15) digits += String(rng.int(0, 9));
  const full = luhnComplete(digits);
  const sep = rng.pick([' ', '-', '']);
  return (full.match(/.{4}/g) ?? []).join(sep);
}

export function ssn(rng: Rng): string {
  // Area 001–665 or 667–899, group 01–99, serial 0001–9999: never the invalid ranges.
  let area = rng.int(1, 899);
  if (area === 666) area = 667;
  return `${String(area).padStart(3, '0')}-${String(rng.int(1, 99)).padStart(2, '0')}-${String(rng.int(1, 9999)).padStart(4, '0')}`;
}

export const SENSITIVE_TYPES = {
  creditCard: {
    id: '50842eb7-edc8-4019-85dd-5a5c1f2bb085',
    name: 'Credit Card Number',
    friendly: 'CreditCardNumber',
  },
  ssn: {
    id: 'a44669fe-0d48-453d-a9b1-2cc83f2cba77',
    name: 'U.S. Social Security Number (SSN)',
    friendly: 'USSocialSecurityNumber',
  },
} as const;

/** What `resources/dlpSensitiveTypes` lists. */
export const DLP_SENSITIVE_TYPES = [
  { id: SENSITIVE_TYPES.creditCard.id, name: SENSITIVE_TYPES.creditCard.friendly },
  { id: '0e9b3178-9678-47dd-a509-37222ca96b42', name: 'EUDebitCardNumber' },
  { id: SENSITIVE_TYPES.ssn.id, name: SENSITIVE_TYPES.ssn.friendly },
  { id: 'cb353f78-2b72-4c3c-8827-92ebe4f69fdf', name: 'ABARoutingNumber' },
  { id: 'a2ce32a8-f935-4bb6-8e96-2a5157672e2c', name: 'USBankAccountNumber' },
];
