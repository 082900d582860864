/** A canonical IPv4 network: `address/prefix` with no host bits set. */
export interface Ipv4Network {
  readonly cidr: string;
  readonly prefix: number;
}

/** The result of reading a CIDR: the canonical network, or the reason it is not one. */
export type CidrParseResult = { ok: true; network: Ipv4Network } | { ok: false; reason: string };

/** Longest text accepted as a CIDR before parsing: `255.255.255.255/32` is 18 characters. */
const MAX_CIDR_LENGTH = 18;

/**
 * Reads an IPv4 address or CIDR as the Redshift API's `CIDRIP` takes it; a bare address means /32.
 *
 * Dotted-quad only (no octal, hex or short forms), no leading zeros in the prefix, and no host bits:
 * `203.0.113.7/24` is refused with the network it probably means.
 */
export function parseIpv4Cidr(input: string): CidrParseResult {
  const text = input.trim();
  if (text !== input) return { ok: false, reason: 'must not have surrounding whitespace' };
  if (text.length === 0) return { ok: false, reason: 'must not be empty' };
  if (text.length > MAX_CIDR_LENGTH && !text.includes(':')) {
    return {
      ok: false,
      reason: `is not an IPv4 address or CIDR (longer than ${MAX_CIDR_LENGTH} characters)`,
    };
  }
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? '32' : text.slice(slash + 1);

  if (looksLikeIpv6(address)) {
    // The API's IPRange has only CIDRIP, an IPv4 field.
    return { ok: false, reason: 'is IPv6; Redshift cluster security groups accept IPv4 CIDRs only' };
  }
  const value = ipv4Value(address);
  if (value === undefined) {
    return {
      ok: false,
      reason: `"${address}" is not a dotted-decimal IPv4 address (four numbers 0-255, no leading zeros)`,
    };
  }
  // String(Number(...)) round-trips only canonical decimals: rejects "08", "+8", "8 ", "".
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || String(prefix) !== prefixText || prefix < 0 || prefix > 32) {
    return { ok: false, reason: `prefix "/${prefixText}" must be a whole number from 0 to 32` };
  }
  const network = dottedQuad(networkValue(value, prefix));
  const cidr = `${network}/${prefix}`;
  if (network !== address) {
    return { ok: false, reason: `has host bits set; the network is ${cidr}` };
  }
  return { ok: true, network: { cidr, prefix } };
}

/**
 * The network a CIDR covers, host bits cleared, for comparing rules as Redshift reports them.
 *
 * Unlike {@link parseIpv4Cidr} this accepts host bits (`10.0.0.5/8` covers `10.0.0.0/8`), since a rule
 * that already exists must be matched whatever its spelling.
 */
export function networkOf(input: string): string | undefined {
  const slash = input.indexOf('/');
  const address = slash === -1 ? input : input.slice(0, slash);
  const prefix = slash === -1 ? 32 : Number(input.slice(slash + 1));
  const value = ipv4Value(address);
  if (value === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  return `${dottedQuad(networkValue(value, prefix))}/${prefix}`;
}

const OCTET = /^(?:0|[1-9]\d{0,2})$/;

/** A dotted-decimal IPv4 address as an unsigned 32-bit number: four numbers 0-255, no leading zeros. */
function ipv4Value(address: string): number | undefined {
  const octets = address.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0;
  for (const octet of octets) {
    if (!OCTET.test(octet)) return undefined;
    const number = Number(octet);
    if (number > 255) return undefined;
    value = value * 256 + number;
  }
  return value;
}

/** The address with the bits after `prefix` cleared. */
function networkValue(value: number, prefix: number): number {
  // A shift by 32 is a shift by 0 in JavaScript: /0 is handled apart.
  return prefix === 0 ? 0 : (value & (0xffffffff << (32 - prefix))) >>> 0;
}

function dottedQuad(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Whether the text is an IPv6 address (RFC 4291 text forms, a zone allowed): someone meant IPv6. */
function looksLikeIpv6(address: string): boolean {
  const text = address.replace(/%[\w.-]+$/, '');
  if (!text.includes(':')) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === '' ? [] : half.split(':')));
  const last = groups.at(-1) ?? '';
  // The last 32 bits may be written as an IPv4 address: ::ffff:192.0.2.1.
  const ipv4Tail = last.includes('.');
  if (ipv4Tail && ipv4Value(last) === undefined) return false;
  const hexGroups = ipv4Tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  const width = hexGroups.length + (ipv4Tail ? 2 : 0);
  return halves.length === 2 ? width < 8 : width === 8;
}
