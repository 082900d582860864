import { createHash } from 'node:crypto';

/** A message attribute as SQS's JSON protocol carries it (`BinaryValue` is base64). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

/** Hex MD5 of a message body, as SQS returns in MD5OfMessageBody and MD5OfBody. */
export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The bytes of an attribute's value: UTF-8 of StringValue, or the decoded BinaryValue. */
export function attributeValueBytes(value: MessageAttributeValue): Buffer {
  return value.DataType.startsWith('Binary')
    ? Buffer.from(value.BinaryValue ?? '', 'base64')
    : Buffer.from(value.StringValue ?? '', 'utf8');
}

/**
 * Hex MD5 of message attributes as SQS computes MD5OfMessageAttributes, or undefined when there are none.
 *
 * Names are sorted; each attribute contributes its length-prefixed (4-byte big-endian) name and data
 * type, one transport byte (1 for String and Number, 2 for Binary) and its length-prefixed value.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
 */
export function md5OfMessageAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>> | undefined,
): string | undefined {
  const names = Object.keys(attributes ?? {}).sort();
  if (attributes === undefined || names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name];
    if (value === undefined) continue;
    const binary = value.DataType.startsWith('Binary');
    hash.update(lengthPrefixed(Buffer.from(name, 'utf8')));
    hash.update(lengthPrefixed(Buffer.from(value.DataType, 'utf8')));
    hash.update(Buffer.from([binary ? 2 : 1]));
    hash.update(lengthPrefixed(attributeValueBytes(value)));
  }
  return hash.digest('hex');
}
