import { describe, expect, it } from 'vitest';
import { requestFields } from '../../src/domain/request.js';
import { nearestKnown } from '../../src/domain/suggest.js';

describe('nearestKnown', () => {
  it.each([
    ['cidrIP', 'cidrIp'],
    ['cidr_ip', 'cidrIp'],
    ['cidrIps', 'cidrIp'],
    ['requestid', 'requestId'],
    ['reqestId', 'requestId'],
    ['clusterSecurityGroup', 'clusterSecurityGroupName'],
    ['ec2SecurityGroupOwner', 'ec2SecurityGroupOwnerId'],
    ['ec2GroupName', undefined],
    ['acton', 'action'],
    ['vresion', 'version'],
    ['taskTocken', 'taskToken'],
  ])('%s -> %s', (name, expected) => {
    // Act
    const suggestion = nearestKnown(name, requestFields());

    // Assess
    expect(suggestion).toBe(expected);
  });

  it('suggests nothing for a word far from every known name, nor from an empty list', () => {
    // Act and assess
    expect(nearestKnown('colour', requestFields())).toBeUndefined();
    expect(nearestKnown('x', requestFields())).toBeUndefined();
    expect(nearestKnown('cidrIp', [])).toBeUndefined();
  });

  it('prefers the same name in another case over a closer spelling, and the earlier name on a tie', () => {
    // Act and assess
    expect(nearestKnown('AB', ['ab', 'AC'])).toBe('ab');
    expect(nearestKnown('abcd', ['abce', 'abcf'])).toBe('abce');
  });
});
