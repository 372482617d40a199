/**
 * `NO_PROXY` matching. Accepted entries (case-insensitive, comma-separated in the setting):
 * `*` (every host), `host` (the host and its subdomains, as curl does), `.suffix` or `*.suffix`
 * (the suffix's subdomains and the suffix itself), an IP literal, and any of these with `:port`
 * (then only that port is bypassed). CIDR ranges are not supported; list the addresses instead.
 */
export function bypassesProxy(url: URL, noProxy: readonly string[]): boolean {
  const host = stripBrackets(url.hostname.toLowerCase());
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy.some((raw) => matches(raw.trim().toLowerCase(), host, port));
}

function matches(entry: string, host: string, port: string): boolean {
  if (entry === '') return false;
  if (entry === '*') return true;
  const { name, entryPort } = splitPort(entry);
  if (entryPort !== undefined && entryPort !== port) return false;
  let pattern = stripBrackets(name);
  if (pattern.startsWith('*.')) pattern = pattern.slice(1);
  if (pattern.startsWith('.')) {
    const bare = pattern.slice(1);
    return host === bare || host.endsWith(pattern);
  }
  return host === pattern || host.endsWith(`.${pattern}`);
}

function splitPort(entry: string): { name: string; entryPort?: string } {
  // `[::1]:8080`, `host:8080`; a bare IPv6 literal (several colons, no brackets) has no port.
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1] ?? '', entryPort: bracketed[2] };
  const colons = entry.split(':').length - 1;
  if (colons === 1) {
    const [name = '', entryPort] = entry.split(':');
    return /^\d+$/.test(entryPort ?? '') ? { name, entryPort } : { name: entry };
  }
  return { name: entry };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
