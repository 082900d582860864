import { describe, expect, it } from 'vitest';
import { DesiredStateError, readDesiredState } from '../../src/domain/desired-state.js';
import { validateRequest } from '../../src/domain/request.js';

/** The problems of a document, or its groups when it is valid. */
function read(value: unknown): unknown {
  try {
    return readDesiredState(value);
  } catch (error) {
    if (!(error instanceof DesiredStateError)) throw error;
    return { problems: error.problems.map(({ field, reason }) => ({ field, reason })) };
  }
}

// Cases where zod, left alone, would answer other than a person expects; the schema's wording and the
// small checks beside it must say what is wrong.
describe('checks beside the schemas', () => {
  it('refuses a group named __proto__, which a zod record skips without a word', () => {
    // Prepare: JSON.parse (and the YAML reader) make `__proto__` an own key of the mapping.
    const document = JSON.parse('{"version":1,"groups":{"__proto__":{"prune":true},"bi":{}}}');

    // Act and assess
    expect(read(document)).toEqual({
      problems: [{ field: 'groups.__proto__', reason: 'must contain only letters, digits and hyphens' }],
    });
  });

  it('checks a hole in a list as a missing item', () => {
    // Prepare: never from JSON or YAML; possible from code.
    const cidrIps = ['10.0.0.0/8', '10.0.0.0/8'];
    delete cidrIps[0];

    // Act and assess
    expect(read({ version: 1, groups: { bi: { cidrIps } } })).toEqual({
      problems: [{ field: 'groups.bi.cidrIps.0', reason: 'is required' }],
    });
  });

  it('gives one reason for an array where a string goes, not also the length checks of a string', () => {
    // Act
    const request = validateRequest({ version: 1, clusterSecurityGroupName: [], cidrIp: '10.0.0.0/8' });
    const state = read({ version: 1, groups: { bi: { ec2SecurityGroups: [{ name: [], ownerId: '1' }] } } });

    // Assess
    expect(request).toEqual({
      ok: false,
      problems: [{ field: 'clusterSecurityGroupName', reason: 'must be a string, got an array' }],
    });
    expect(state).toEqual({
      problems: [
        { field: 'groups.bi.ec2SecurityGroups.0.name', reason: 'must be a string, got an array' },
        { field: 'groups.bi.ec2SecurityGroups.0.ownerId', reason: 'must be a 12-digit AWS account id' },
      ],
    });
  });

  it('counts a length in characters (code points), as JSON Schema does: an emoji is one', () => {
    // Act
    const fits = validateRequest({
      version: 1,
      clusterSecurityGroupName: 'a',
      cidrIp: '10.0.0.0/8',
      reason: '😀'.repeat(1024),
    });
    const over = validateRequest({
      version: 1,
      clusterSecurityGroupName: 'a',
      cidrIp: '10.0.0.0/8',
      reason: '😀'.repeat(1025),
    });

    // Assess
    expect(fits.ok).toBe(true);
    expect(over).toEqual({
      ok: false,
      problems: [{ field: 'reason', reason: 'must be at most 1024 characters' }],
    });
  });
});
