import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { parseIpv6Cidr } from '../../src/domain/cidr.js';

describe('parseIpv6Cidr', () => {
  it.each([
    ['2001:db8::/32', '2001:db8::/32', 32],
    ['2001:db8:0:1::/64', '2001:db8:0:1::/64', 64],
    ['::/0', '::/0', 0],
    ['::1', '::1/128', 128],
    ['2001:db8::1:0:0:1', '2001:db8::1:0:0:1/128', 128],
    ['1:2:3:4:5:6:7:8/128', '1:2:3:4:5:6:7:8/128', 128],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0/128', 128],
    ['fe80::/10', 'fe80::/10', 10],
  ])('accepts %s as %s', (input, cidr, prefix) => {
    expect(parseIpv6Cidr(input)).toEqual({ ok: true, network: { cidr, prefix } });
  });

  it.each([
    ['2001:db8::1/32', 'has host bits set; the network is 2001:db8::/32'],
    ['2001:DB8::/32', 'is not in canonical form; write it as 2001:db8::/32'],
    ['2001:0db8::/32', 'is not in canonical form; write it as 2001:db8::/32'],
    ['1:0:0:0:0:0:0:0/16', 'is not in canonical form; write it as 1::/16'],
    ['2001:db8:0:0:1:0:0:1', 'is not in canonical form; write it as 2001:db8::1:0:0:1/128'],
    ['1:2:3:4:5:6:7::', 'is not in canonical form; write it as 1:2:3:4:5:6:7:0/128'],
    ['2001:db8::/129', 'prefix "/129" must be a whole number from 0 to 128'],
    ['2001:db8::/032', 'prefix "/032" must be a whole number from 0 to 128'],
    ['2001:db8::/', 'prefix "/" must be a whole number from 0 to 128'],
    ['10.0.0.0/8', 'is IPv4; give an IPv4 network as cidrIp'],
    ['::ffff:192.0.2.1', 'an IPv4 address inside IPv6'],
    ['fe80::1%eth0', 'must not name a zone'],
    ['1::2::3', '"1::2::3" is not an IPv6 address'],
    ['12345::/16', 'is not an IPv6 address'],
    ['1:2:3:4:5:6:7:8:9', 'is not an IPv6 address'],
    ['1:2:3:4:5:6:7', 'is not an IPv6 address'],
    ['1:2:3:4::5:6:7:8', 'is not an IPv6 address'],
    ['g::/16', 'is not an IPv6 address'],
    ['', 'must not be empty'],
    [' ::1', 'must not have surrounding whitespace'],
    [`${'1:'.repeat(30)}1`, 'longer than 43 characters'],
  ])('rejects %j with a reason', (input, reason) => {
    const result = parseIpv6Cidr(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });

  // ipaddr.js (a widely used parser nobody here wrote) as the reference: its RFC 5952 text of the network.
  const groups = fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
    minLength: 8,
    maxLength: 8,
  });
  const reference = (parts: readonly number[], prefix: number) => {
    const address = new ipaddr.IPv6(parts as number[]);
    const network = ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${prefix}`);
    return { address: address.toRFC5952String(), cidr: `${network.toRFC5952String()}/${prefix}` };
  };

  it('agrees with ipaddr.js on canonical text and host bits, over generated addresses and prefixes', () => {
    fc.assert(
      fc.property(groups, fc.integer({ min: 0, max: 128 }), (parts, prefix) => {
        // Prepare
        const { address, cidr } = reference(parts, prefix);

        // Act
        const result = parseIpv6Cidr(`${address}/${prefix}`);

        // Assess
        if (`${address}/${prefix}` === cidr) expect(result).toEqual({ ok: true, network: { cidr, prefix } });
        else expect(result).toEqual({ ok: false, reason: `has host bits set; the network is ${cidr}` });
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every spelling but the canonical one, naming it', () => {
    fc.assert(
      fc.property(groups, fc.boolean(), (parts, upper) => {
        // Prepare: every group written in full, maybe upper case: never RFC 5952's form.
        const full = parts.map((part) => part.toString(16).padStart(4, '0')).join(':');
        const text = upper ? full.toUpperCase() : full;
        const { address } = reference(parts, 128);

        // Act
        const result = parseIpv6Cidr(`${text}/128`);

        // Assess
        if (text === address) expect(result.ok).toBe(true);
        else
          expect(result).toEqual({
            ok: false,
            reason: `is not in canonical form; write it as ${address}/128`,
          });
      }),
      { numRuns: 1000 },
    );
  });
});
