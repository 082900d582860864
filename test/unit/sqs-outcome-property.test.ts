import {
  AuthorizeClusterSecurityGroupIngressCommand,
  RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  BatchRequestTooLong,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBatchHarness } from '../helpers/batch-harness.js';
import { requestBody, sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';

// For any body, the outcome the handler publishes is one SQS accepts: only the characters of
// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF, and at most 1 MiB with its attributes.
// The SQS stub below refuses what SQS refuses, as SQS does (Failed[] with SenderFault, BatchRequestTooLong).

/** SQS's size limit of a message and of a SendMessageBatch. */
const SQS_MAX_BYTES = 1_048_576;

/** SQS's rule of characters, written from its documentation, code unit by code unit. */
function sqsAccepts(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      index += 1;
      continue;
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

const entrySize = (entry: NonNullable<SendMessageBatchCommandInput['Entries']>[number]) =>
  Buffer.byteLength(entry.MessageBody ?? '') +
  Object.entries(entry.MessageAttributes ?? {}).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      (value.DataType ?? '').length +
      Buffer.byteLength(value.StringValue ?? ''),
    0,
  );

const redshiftMock = mockClient(RedshiftClient);
const sqsMock = mockClient(SQSClient);
const sfnMock = mockClient(SFNClient);
/** Every entry SQS refused, with why. */
const refused: string[] = [];

beforeEach(() => {
  redshiftMock.reset();
  sqsMock.reset();
  sfnMock.reset();
  refused.length = 0;
  redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).resolves({});
  redshiftMock.on(RevokeClusterSecurityGroupIngressCommand).resolves({});
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
    const entries = input.Entries ?? [];
    const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (total > SQS_MAX_BYTES) {
      refused.push(`batch of ${total} bytes`);
      throw new BatchRequestTooLong({
        message: `Batch requests cannot be longer than ${SQS_MAX_BYTES} bytes`,
        $metadata: {},
      });
    }
    const failed = entries.filter(
      (entry) =>
        !sqsAccepts(entry.MessageBody ?? '') ||
        Object.values(entry.MessageAttributes ?? {}).some((value) => !sqsAccepts(value.StringValue ?? '')) ||
        entrySize(entry) > SQS_MAX_BYTES,
    );
    refused.push(...failed.map((entry) => `entry ${entry.Id}: ${(entry.MessageBody ?? '').slice(0, 200)}`));
    return {
      Successful: entries
        .filter((entry) => !failed.includes(entry))
        .map((entry) => ({ Id: entry.Id, MessageId: `out-${entry.Id}`, MD5OfMessageBody: '' })),
      Failed: failed.map((entry) => ({
        Id: entry.Id,
        Code: 'InvalidMessageContents',
        SenderFault: true,
        Message: 'refused',
      })),
    };
  });
});

/** Any character: every code point, lone surrogates (U+D800-U+DFFF) included. */
const anyCharacter = fc.oneof(
  fc.integer({ min: 0, max: 0x10ffff }).map((codePoint) => String.fromCodePoint(codePoint)),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
  fc.constantFrom('\ufffe', '\uffff', '\u0000', '\u0008', '\u001f', '\ufffd'),
);
const anyText = (maxLength: number) => fc.string({ unit: anyCharacter, maxLength });

/** The JSON of a value with every character beyond ASCII written as an escape: a body SQS itself accepts. */
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

const FIELDS = [
  'requestId',
  'clusterSecurityGroupName',
  'cidrIp',
  'ec2SecurityGroupName',
  'ec2SecurityGroupOwnerId',
  'requestedBy',
  'reason',
  'taskToken',
  'action',
] as const;

/** A request with some fields, approval fields or unknown keys set to any text, written raw or in ASCII escapes. */
const hostileRequest = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...FIELDS), anyText(300), { maxKeys: 4 }),
    fc.dictionary(fc.constantFrom('ticket', 'approvedBy', 'approvedAt'), anyText(300), { maxKeys: 3 }),
    fc.dictionary(anyText(80), anyText(80), { maxKeys: 3 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([fields, approval, unknown, ec2, ascii]) => {
    const body = {
      ...requestBody(
        ec2
          ? {
              requestId: 'r',
              cidrIp: undefined,
              ec2SecurityGroupName: 'bi',
              ec2SecurityGroupOwnerId: '111122223333',
            }
          : { requestId: 'r' },
      ),
      ...unknown,
      ...fields,
      ...(Object.keys(approval).length > 0 && { approval }),
    };
    return ascii ? asciiJson(body) : JSON.stringify(body);
  });

/** A valid request whose echoed fields are long runs of one character: bodies up to SQS's 1 MiB. */
const hugeRequest = fc
  .tuple(
    anyCharacter,
    fc.integer({ min: 1_000, max: 120_000 }),
    fc.constantFrom('reason', 'requestedBy', 'key', 'cidrIp'),
  )
  .map(([character, count, where]) => {
    const text = character.repeat(count);
    const body = where === 'key' ? { ...requestBody(), [text]: 1 } : requestBody({ [where]: text });
    return asciiJson(body);
  })
  .filter((body) => Buffer.byteLength(body) <= SQS_MAX_BYTES);

describe('the outcome the handler publishes, for any body', () => {
  it.each([
    ['any text as a body', anyText(2_000), 300],
    ['a request with any text in its fields, raw or escaped', hostileRequest, 300],
    ['a body up to the 1 MiB limit', hugeRequest, 25],
  ] as const)(
    'is accepted by SQS, one per record, for %s',
    async (_name, bodies, numRuns) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(bodies as fc.Arbitrary<string>, { minLength: 1, maxLength: 10 }),
          async (batch) => {
            // Prepare
            sqsMock.resetHistory();
            refused.length = 0;
            const { processBatch } = createBatchHarness();
            const records = batch.map((body, index) => sqsRecordFactory(body, { messageId: `m${index}` }));

            // Act
            const response = await processBatch(sqsEventFactory(records));

            // Assess: every record acknowledged, with exactly one outcome SQS took as sent the first time.
            expect(refused).toEqual([]);
            expect(response.batchItemFailures).toEqual([]);
            const sent = sqsMock
              .commandCalls(SendMessageBatchCommand)
              .flatMap((call) => call.args[0].input.Entries ?? [])
              .map((entry) => JSON.parse(entry.MessageBody as string) as { messageId: string });
            expect(sent.map((outcome) => outcome.messageId).sort()).toEqual(
              records.map((record) => record.messageId).sort(),
            );
          },
        ),
        { numRuns },
      );
    },
    120_000,
  );
});
