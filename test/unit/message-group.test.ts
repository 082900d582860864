import { describe, expect, it } from 'vitest';
import { requestMessageGroupId, UNTARGETED_MESSAGE_GROUP } from '../../src/domain/message-group.js';

describe('requestMessageGroupId', () => {
  it('is the cluster security group as Redshift identifies it: one group whatever the case', () => {
    // Act
    const given = requestMessageGroupId({ clusterSecurityGroupName: 'Analytics-Prod' });

    // Assess
    expect(given).toBe('analytics-prod');
    expect(requestMessageGroupId({ clusterSecurityGroupName: 'analytics-prod' })).toBe(given);
  });

  it('names the kind of the other targets, so a cluster and a workgroup of one name stay apart', () => {
    // Act
    const ids = [
      requestMessageGroupId({ clusterIdentifier: 'Reporting' }),
      requestMessageGroupId({ workgroupName: 'reporting' }),
      requestMessageGroupId({ securityGroupId: 'sg-0123ABCD' }),
      requestMessageGroupId({}),
    ];

    // Assess
    expect(ids).toEqual([
      'cluster:reporting',
      'workgroup:reporting',
      'security-group:sg-0123abcd',
      UNTARGETED_MESSAGE_GROUP,
    ]);
  });

  it('fits SQS: at most 128 characters of its set, one id per target, case-insensitive', () => {
    // Prepare: Redshift allows 255 characters in a group name.
    const long = `g${'x'.repeat(254)}`;
    const other = `${long.slice(0, -1)}y`;

    // Act
    const id = requestMessageGroupId({ clusterSecurityGroupName: long });

    // Assess: SQS takes alphanumerics and punctuation, up to 128 characters.
    expect(id).toHaveLength(128);
    expect(id).toMatch(/^[\x21-\x7e]+$/);
    expect(requestMessageGroupId({ clusterSecurityGroupName: long.toUpperCase() })).toBe(id);
    expect(requestMessageGroupId({ clusterSecurityGroupName: other })).not.toBe(id);
  });
});
