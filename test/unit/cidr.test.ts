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
