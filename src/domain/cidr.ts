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

/** Whether the text is an IPv6 address or CIDR in any RFC 4291 form (a zone allowed): someone meant IPv6. */
export function looksLikeIpv6Cidr(input: string): boolean {
  const slash = input.indexOf('/');
  return looksLikeIpv6(slash === -1 ? input : input.slice(0, slash));
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

/** A canonical IPv6 network: RFC 5952 text (lower case, zeros compressed) `/prefix`, no host bits set. */
export interface Ipv6Network {
  readonly cidr: string;
  readonly prefix: number;
}

/** The result of reading an IPv6 CIDR: the canonical network, or the reason it is not one. */
export type Ipv6CidrParseResult = { ok: true; network: Ipv6Network } | { ok: false; reason: string };

/** Longest text accepted as an IPv6 CIDR: eight groups of four, seven colons, `/128` is 43 characters. */
const MAX_IPV6_CIDR_LENGTH = 43;

/**
 * Reads an IPv6 address or CIDR as EC2's `CidrIpv6` takes it; a bare address means /128.
 *
 * Only the canonical text of RFC 5952 is accepted (lower case, no leading zeros in a group, the longest
 * run of two or more zero groups written `::`), so that one network has one spelling in requests,
 * outcomes and logs; any other spelling, and a network with host bits set, is refused with the
 * canonical network it probably means. No zone (`%eth0`), no IPv4 written inside.
 */
export function parseIpv6Cidr(input: string): Ipv6CidrParseResult {
  if (input.trim() !== input) return { ok: false, reason: 'must not have surrounding whitespace' };
  if (input.length === 0) return { ok: false, reason: 'must not be empty' };
  if (input.length > MAX_IPV6_CIDR_LENGTH) {
    return { ok: false, reason: `is not an IPv6 CIDR (longer than ${MAX_IPV6_CIDR_LENGTH} characters)` };
  }
  const slash = input.indexOf('/');
  const address = slash === -1 ? input : input.slice(0, slash);
  const prefixText = slash === -1 ? '128' : input.slice(slash + 1);
  if (address.includes('%')) return { ok: false, reason: 'must not name a zone (%...): a rule has none' };
  if (ipv4Value(address) !== undefined || (!address.includes(':') && address.includes('.'))) {
    return { ok: false, reason: 'is IPv4; give an IPv4 network as cidrIp' };
  }
  if (address.includes('.')) {
    return {
      ok: false,
      reason: 'must write every group in hex: an IPv4 address inside IPv6 (::ffff:192.0.2.1) is not accepted',
    };
  }
  const groups = ipv6Groups(address);
  if (groups === undefined) {
    return {
      ok: false,
      reason: `"${address}" is not an IPv6 address (eight groups of 1-4 hex digits, or fewer with one ::)`,
    };
  }
  const prefix = Number(prefixText);
  if (!Number.isInteger(prefix) || String(prefix) !== prefixText || prefix < 0 || prefix > 128) {
    return { ok: false, reason: `prefix "/${prefixText}" must be a whole number from 0 to 128` };
  }
  const network = ipv6Text(clearHostBits(groups, prefix));
  const cidr = `${network}/${prefix}`;
  if (network !== ipv6Text(groups)) return { ok: false, reason: `has host bits set; the network is ${cidr}` };
  if (network !== address) return { ok: false, reason: `is not in canonical form; write it as ${cidr}` };
  return { ok: true, network: { cidr, prefix } };
}

/** The eight 16-bit groups of an IPv6 address in hex text (no IPv4 tail), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const parse = (half: string): number[] | undefined => {
    if (half === '') return [];
    const parts = half.split(':');
    if (!parts.every((part) => /^[0-9A-Fa-f]{1,4}$/.test(part))) return undefined;
    return parts.map((part) => Number.parseInt(part, 16));
  };
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  // `::` stands for at least one zero group.
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...Array.from({ length: missing }, () => 0), ...tail];
}

/** The groups with every bit after `prefix` cleared. */
function clearHostBits(groups: readonly number[], prefix: number): number[] {
  return groups.map((group, index) => {
    const bits = Math.min(16, Math.max(0, prefix - index * 16));
    return bits === 0 ? 0 : group & ((0xffff << (16 - bits)) & 0xffff);
  });
}

/** RFC 5952 text: lower-case hex without leading zeros, the first longest run of 2+ zero groups as `::`. */
function ipv6Text(groups: readonly number[]): string {
  let best = { start: -1, length: 1 };
  for (let start = 0; start < groups.length; start += 1) {
    let length = 0;
    while (groups[start + length] === 0) length += 1;
    if (length > best.length) best = { start, length };
    start += length;
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start === -1) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}
