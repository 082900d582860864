import { describe, expect, it } from 'vitest';
import { buildOutcome, shortenOutcome } from '../../src/domain/outcome.js';
import { parseRequest } from '../../src/domain/request.js';
import {
  describeSqsRefusedText,
  findSqsRefusedFields,
  makeSqsSafe,
  makeSqsSafeDeep,
  rejectSqsRefusedFields,
  SQS_REFUSED_CHARACTER,
} from '../../src/domain/sqs-text.js';
import { requestBody } from '../helpers/factories.js';

/** SQS's rule, written from its documentation: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. */
function sqsAccepts(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        index += 1;
        continue;
      }
      return false;
    }
    const ok =
      unit === 0x9 ||
      unit === 0xa ||
      unit === 0xd ||
      (unit >= 0x20 && unit <= 0xd7ff) ||
      (unit >= 0xe000 && unit <= 0xfffd);
    if (!ok) return false;
  }
  return true;
}

describe('SQS_REFUSED_CHARACTER', () => {
  it('matches exactly the characters SQS refuses, for every BMP code unit and the surrogate pairs', () => {
    for (let unit = 0; unit <= 0xffff; unit += 1) {
      const text = String.fromCharCode(unit);
      expect(SQS_REFUSED_CHARACTER.test(text), unit.toString(16)).toBe(!sqsAccepts(text));
    }
    expect(SQS_REFUSED_CHARACTER.test('\u{10000}\u{1F600}\u{10FFFF}')).toBe(false);
    expect(SQS_REFUSED_CHARACTER.test('\udc00\ud800')).toBe(true);
  });
});

describe('makeSqsSafe', () => {
  it('replaces each refused character by U+FFFD and keeps everything else', () => {
    expect(makeSqsSafe('a\uffffb\ufffe\ud800c\u0000\t\n\r\u{1F600}')).toBe(
      'a\ufffdb\ufffd\ufffdc\ufffd\t\n\r\u{1F600}',
    );
    expect(makeSqsSafe('plain text é')).toBe('plain text é');
  });

  it('makes every string of a JSON value safe, keys included', () => {
    expect(makeSqsSafeDeep({ 'k\uffff': ['\ud800', 1, true, null, { x: 'y\ufffe' }] })).toEqual({
      'k\ufffd': ['\ufffd', 1, true, null, { x: 'y\ufffd' }],
    });
  });
});

describe('describeSqsRefusedText', () => {
  it('names the first refused character, where it is, and how many others there are', () => {
    expect(describeSqsRefusedText('ab\uffff')).toBe(
      'contains U+FFFF at character 3, which SQS and the AWS APIs refuse',
    );
    expect(describeSqsRefusedText('\ud800x\u0001\ufffe')).toBe(
      'contains U+D800 at character 1 and 2 more, which SQS and the AWS APIs refuse',
    );
    expect(describeSqsRefusedText('fine')).toBeUndefined();
  });
});

describe('rejectSqsRefusedFields', () => {
  const parse = (overrides: Record<string, unknown>) =>
    parseRequest(JSON.stringify(requestBody(overrides)), 'msg-1');

  it('rejects a request whose EC2 group name or task token holds a refused character, naming the field', () => {
    // Prepare
    const parsed = parse({
      cidrIp: undefined,
      ec2SecurityGroupName: 'bi\uffff',
      ec2SecurityGroupOwnerId: '111122223333',
      taskToken: 'token\ud800',
      requestedBy: 'ops',
    });

    // Act
    const result = rejectSqsRefusedFields(parsed);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      {
        field: 'ec2SecurityGroupName',
        reason: 'contains U+FFFF at character 3, which SQS and the AWS APIs refuse',
      },
      { field: 'taskToken', reason: 'contains U+D800 at character 6, which SQS and the AWS APIs refuse' },
    ]);
    // Still correlated and filterable; a token Step Functions cannot have issued is not answered.
    expect(result.context).toEqual({
      requestId: 'msg-1',
      action: 'authorize',
      clusterSecurityGroupName: 'analytics-prod',
      requestedBy: 'ops',
    });
  });

  it('leaves a request whose only such characters are in echoed fields, and any invalid body, as they were', () => {
    const echoed = parse({ requestedBy: 'a\uffff', reason: '\ufffe', approval: { ticket: '\ud800' } });
    const invalid = parse({ cidrIp: 'x\uffff' });
    expect(rejectSqsRefusedFields(echoed)).toBe(echoed);
    expect(rejectSqsRefusedFields(invalid)).toBe(invalid);
    expect(echoed.ok && findSqsRefusedFields(echoed.request)).toEqual([]);
  });
});

describe('buildOutcome', () => {
  it('makes every echoed text safe for SQS, still naming what was wrong', () => {
    // Prepare
    const input = {
      requestId: 'r',
      messageId: 'm',
      action: 'authorize' as const,
      status: 'rejected' as const,
      error: { code: 'InvalidRequest', message: '"k\uffff": is not a known field', retryable: false },
      attempt: 1,
      requestedBy: 'ops\ud800',
      reason: 'why\ufffe',
      approval: { ticket: 'T\uffff', approvedBy: 'a\u0001' },
      processedAt: new Date('2026-11-27T05:00:00Z'),
    };

    // Act
    const outcome = buildOutcome(input);

    // Assess
    expect(sqsAccepts(JSON.stringify(outcome))).toBe(true);
    expect(outcome).toMatchObject({
      error: { message: '"k\ufffd": is not a known field' },
      requestedBy: 'ops\ufffd',
      reason: 'why\ufffd',
      approval: { ticket: 'T\ufffd', approvedBy: 'a\ufffd' },
    });
  });
});

describe('shortenOutcome', () => {
  it('keeps ids, status, rule and error code, and says why the rest was left out', () => {
    const outcome = buildOutcome({
      requestId: 'r',
      messageId: 'm',
      action: 'authorize',
      status: 'rejected',
      rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '10.0.0.0/16' },
      error: { code: 'PolicyRefused', message: 'x'.repeat(5000), retryable: false },
      attempt: 2,
      requestedBy: 'ops',
      reason: 'why',
      approval: { ticket: 'T' },
      processedAt: new Date('2026-11-27T05:00:00Z'),
    });
    const short = shortenOutcome(outcome, 'InvalidMessageContents: bad \uffff');
    expect(short).toEqual({
      type: 'ingress-outcome',
      version: 1,
      requestId: 'r',
      messageId: 'm',
      action: 'authorize',
      status: 'rejected',
      rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '10.0.0.0/16' },
      error: {
        code: 'PolicyRefused',
        message: `${'x'.repeat(1000)} [the results queue refused the full outcome (InvalidMessageContents: bad \ufffd); requestedBy, reason and approval left out]`,
        retryable: false,
      },
      attempt: 2,
      processedAt: '2026-11-27T05:00:00.000Z',
    });
  });
});
