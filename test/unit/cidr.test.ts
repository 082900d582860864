import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { networkOf, parseIpv4Cidr } from '../../src/domain/cidr.js';

describe('parseIpv4Cidr', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0/24', 24],
    ['198.51.100.7', '198.51.100.7/32', 32],
    ['0.0.0.0/0', '0.0.0.0/0', 0],
    ['10.0.0.0/8', '10.0.0.0/8', 8],
  ])('accepts %s as %s', (input, cidr, prefix) => {
    // Act
    const result = parseIpv4Cidr(input);

    // Assess
    expect(result).toEqual({ ok: true, network: { cidr, prefix } });
  });

  it.each([
    ['203.0.113.7/24', 'has host bits set; the network is 203.0.113.0/24'],
    ['10.0.0.0/33', 'prefix "/33" must be a whole number from 0 to 32'],
    ['10.0.0.0/08', 'prefix "/08" must be a whole number from 0 to 32'],
    ['10.0.0.0/', 'prefix "/" must be a whole number from 0 to 32'],
    ['300.1.1.1/8', '"300.1.1.1" is not a dotted-decimal IPv4 address'],
    ['010.0.0.1', '"010.0.0.1" is not a dotted-decimal IPv4 address'],
    ['0x0a.0.0.1', 'is not a dotted-decimal IPv4 address'],
    ['10.1', 'is not a dotted-decimal IPv4 address'],
    ['10.0.0.0/8 ; x', 'surrounding whitespace|is not a dotted|prefix'],
    ['2001:db8::/32', 'is IPv6'],
    ['::ffff:10.0.0.1', 'is IPv6'],
    ['fe80::1%eth0', 'is IPv6'],
    [':::::', 'is not a dotted-decimal IPv4 address'],
    ['a:b:c', 'is not a dotted-decimal IPv4 address'],
    ['1:2:3:4:5:6:7:8:9', 'is not a dotted-decimal IPv4 address'],
    ['', 'must not be empty'],
    [' 10.0.0.1', 'must not have surrounding whitespace'],
  ])('rejects %j with a reason', (input, reason) => {
    // Act
    const result = parseIpv4Cidr(input);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(new RegExp(reason.replace(/[()[\]/]/g, '\\$&')));
  });

  it('networkOf accepts host bits and bare addresses, as rules already in Redshift may be spelled', () => {
    expect(networkOf('198.51.100.7')).toBe('198.51.100.7/32');
    expect(networkOf('10.0.0.5/8')).toBe('10.0.0.0/8');
    expect(networkOf('not-a-cidr')).toBeUndefined();
  });
});

// ipaddr.js (a development dependency only) is the reference the hand-written parser is held to.
describe('parseIpv4Cidr against ipaddr.js', () => {
  const octet = fc.oneof(
    fc.integer({ min: 0, max: 255 }).map(String),
    fc.constantFrom('256', '999', '00', '01', '007', '-1', '1e2', '0x1', '', ' 1'),
  );
  const address = fc.oneof(
    fc.array(octet, { minLength: 4, maxLength: 4 }).map((parts) => parts.join('.')),
    fc.array(octet, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
    fc.stringMatching(/^[0-9a-f:.]{0,16}$/),
  );
  const prefix = fc.oneof(
    fc.integer({ min: 0, max: 32 }).map(String),
    fc.constantFrom('33', '08', '', '-1', '1.5', '+8'),
  );
  const input = fc.oneof(
    address,
    fc.tuple(address, prefix).map(([a, p]) => `${a}/${p}`),
    fc.string({ maxLength: 20 }),
  );

  /** What the reference says: the canonical CIDR, or undefined when the text is not one. */
  function reference(text: string): { cidr?: string; network?: string; ipv6: boolean } {
    const slash = text.indexOf('/');
    const addr = slash === -1 ? text : text.slice(0, slash);
    const prefixText = slash === -1 ? '32' : text.slice(slash + 1);
    const ipv6 = ipaddr.IPv6.isValid(addr);
    const bits = Number(prefixText);
    if (!ipaddr.IPv4.isValidFourPartDecimal(addr)) return { ipv6 };
    if (!/^(0|[1-9]\d?)$/.test(prefixText) || bits > 32) return { ipv6 };
    const network = `${ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${bits}`).toString()}/${bits}`;
    return { network, ...(network === `${addr}/${bits}` && { cidr: network }), ipv6 };
  }

  it('accepts exactly the canonical dotted-decimal CIDRs, with the same network', () => {
    fc.assert(
      fc.property(input, (text) => {
        const expected = reference(text);
        const result = parseIpv4Cidr(text);
        expect(result.ok ? result.network.cidr : undefined).toBe(expected.cidr);
        // "is IPv6" exactly when the reference reads the address as IPv6.
        expect(!result.ok && /is IPv6/.test(result.reason)).toBe(expected.ipv6);
        if (expected.network !== undefined) expect(networkOf(text)).toBe(expected.network);
      }),
      { numRuns: 5000, seed: 20261127 },
    );
  });

  it('computes the network of every prefix of an address', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (addr, bits) => {
        const network = ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${bits}`).toString();
        expect(networkOf(`${addr}/${bits}`)).toBe(`${network}/${bits}`);
        expect(parseIpv4Cidr(`${network}/${bits}`)).toEqual({
          ok: true,
          network: { cidr: `${network}/${bits}`, prefix: bits },
        });
      }),
      { numRuns: 2000, seed: 20261127 },
    );
  });
});
