import { createHash, randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import type { FaultDecision } from './faults.js';
import { JsonInput } from './json-input.js';
import {
  attributeValueBytes,
  type MessageAttributeValue,
  md5OfBody,
  md5OfMessageAttributes,
} from './sqs-checksums.js';
import { messageState, Queue, type StoredMessage } from './sqs-queue.js';

/** What an operation needs besides its input: a signal that ends long polls, and the request's faults. */
export interface RequestContext {
  readonly signal: AbortSignal;
  readonly faults: FaultDecision;
}

/** Where the SQS model lives: region and account for ARNs, and the base URL queue URLs start with. */
export interface SqsOptions {
  readonly region: string;
  readonly accountId: string;
  readonly baseUrl: () => string;
}

/** One queue as the admin state endpoint shows it. */
export interface QueueSnapshot {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** A completed message move task (the emulator moves every message at once). */
interface MoveTask {
  readonly TaskHandle: string;
  readonly Status: 'COMPLETED' | 'FAILED';
  readonly SourceArn: string;
  readonly DestinationArn?: string;
  readonly MaxNumberOfMessagesPerSecond?: number;
  readonly ApproximateNumberOfMessagesMoved: number;
  readonly ApproximateNumberOfMessagesToMove: number;
  readonly FailureReason?: string;
  readonly StartedTimestamp: number;
}

interface RedrivePolicy {
  readonly deadLetterTargetArn: string;
  readonly maxReceiveCount: number;
}

interface SendResult {
  readonly MessageId: string;
  readonly MD5OfMessageBody: string;
  readonly MD5OfMessageAttributes?: string;
  readonly MD5OfMessageSystemAttributes?: string;
  readonly SequenceNumber?: string;
}

// The awsQuery code and HTTP status the SDK model gives each modeled error (client-sqs `awsQueryError` traits);
// unmodeled codes (InvalidParameterValue, MissingParameter, ...) travel as themselves.
const MODELED_ERRORS: Readonly<Record<string, readonly [string, number]>> = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  BatchRequestTooLong: ['AWS.SimpleQueueService.BatchRequestTooLong', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  ResourceNotFoundException: ['ResourceNotFoundException', 404],
  RequestThrottled: ['RequestThrottled', 403],
};

/** Builds an SQS error with the HTTP status and awsQuery code the SDK maps back to the right exception. */
export function sqsError(code: string, message: string, statusCode?: number): ApiError {
  const [queryCode, modeledStatus] = MODELED_ERRORS[code] ?? [code, 400];
  return new ApiError(code, message, { statusCode: statusCode ?? modeledStatus, queryCode });
}

const INPUT_ERRORS = {
  missing: (member: string) =>
    sqsError('MissingParameter', `The request must contain the parameter ${member}.`),
  invalid: (message: string) => sqsError('InvalidParameterValue', message),
};

// Queue attribute limits. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
const INTEGER_ATTRIBUTES: Readonly<Record<string, readonly [number, number]>> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};
const ENUM_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  SqsManagedSseEnabled: ['true', 'false'],
  FifoQueue: ['true', 'false'],
  ContentBasedDeduplication: ['true', 'false'],
  DeduplicationScope: ['messageGroup', 'queue'],
  FifoThroughputLimit: ['perQueue', 'perMessageGroupId'],
};
const FIFO_ONLY_ATTRIBUTES = new Set([
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);
const FREE_TEXT_ATTRIBUTES = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy', 'KmsMasterKeyId']);
const COMPUTED_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
];
const KNOWN_ATTRIBUTES = new Set([
  ...Object.keys(INTEGER_ATTRIBUTES),
  ...Object.keys(ENUM_ATTRIBUTES),
  ...FREE_TEXT_ATTRIBUTES,
  ...COMPUTED_ATTRIBUTES,
]);
const MESSAGE_SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
  'SequenceNumber',
  'MessageDeduplicationId',
  'MessageGroupId',
  'AWSTraceHeader',
  'DeadLetterQueueSourceArn',
];
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}\.fifo$/;
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const ATTRIBUTE_TYPE = /^(String|Number|Binary)(\..+)?$/;
const NUMBER_VALUE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
// Characters a message may hold. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
const INVALID_BODY_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const MAX_BATCH_ENTRIES = 10;
// Messages and batches up to 1 MiB, since August 2025 (256 KiB before), and 1 MiB the default of a new queue.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
const MAX_BATCH_BYTES = 1_048_576;
/** The most seconds a message stays invisible, counted from its receive. */
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_MESSAGE_ATTRIBUTES = 10;

function defaultAttributes(fifo: boolean): Map<string, string> {
  const attributes = new Map<string, string>([
    ['DelaySeconds', '0'],
    ['MaximumMessageSize', '1048576'],
    ['MessageRetentionPeriod', '345600'],
    ['ReceiveMessageWaitTimeSeconds', '0'],
    ['VisibilityTimeout', '30'],
    ['SqsManagedSseEnabled', 'true'],
  ]);
  if (fifo) {
    attributes.set('FifoQueue', 'true');
    attributes.set('ContentBasedDeduplication', 'false');
    attributes.set('DeduplicationScope', 'queue');
    attributes.set('FifoThroughputLimit', 'perQueue');
  }
  return attributes;
}

function invalidAttribute(name: string, value: string, reason: string): ApiError {
  return sqsError(
    'InvalidAttributeValue',
    `Invalid value for the parameter ${name}. Reason: ${reason} (${value})`,
  );
}

function parseRedrivePolicy(value: string): RedrivePolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidAttribute('RedrivePolicy', value, 'Redrive policy is not a valid JSON map.');
  }
  const policy = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const maxReceiveCount = Number(policy.maxReceiveCount);
  if (typeof policy.deadLetterTargetArn !== 'string' || policy.deadLetterTargetArn === '') {
    throw invalidAttribute('RedrivePolicy', value, 'Redrive policy must name deadLetterTargetArn.');
  }
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    throw invalidAttribute('RedrivePolicy', value, 'maxReceiveCount must be an integer from 1 to 1000.');
  }
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount };
}

function messageSize(body: string, attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + attributeValueBytes(value).length;
  }
  return size;
}

function checkMessageAttributes(raw: unknown, system: boolean): Record<string, MessageAttributeValue> {
  if (raw === undefined || raw === null) return {};
  const label = system ? 'system' : 'user';
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw sqsError('InvalidParameterValue', `Message ${label} attributes must be a map.`);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_MESSAGE_ATTRIBUTES) {
    throw sqsError(
      'InvalidParameterValue',
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, rawValue] of entries) {
    if (system && name !== 'AWSTraceHeader') {
      throw sqsError('InvalidParameterValue', `Message system attribute name '${name}' is invalid.`);
    }
    if (
      !ATTRIBUTE_NAME.test(name) ||
      name.includes('..') ||
      name.startsWith('.') ||
      name.endsWith('.') ||
      (!system && /^(aws|amazon)\./i.test(name))
    ) {
      throw sqsError('InvalidParameterValue', `Message (${label}) attribute name '${name}' is invalid.`);
    }
    const value = (typeof rawValue === 'object' && rawValue !== null ? rawValue : {}) as Record<
      string,
      unknown
    >;
    const dataType = value.DataType;
    if (typeof dataType !== 'string' || !ATTRIBUTE_TYPE.test(dataType)) {
      throw sqsError(
        'InvalidParameterValue',
        `The type of message (${label}) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    const lists = [value.StringListValues, value.BinaryListValues];
    if (lists.some((list) => Array.isArray(list) && list.length > 0)) {
      throw sqsError(
        'InvalidParameterValue',
        `Message (${label}) attribute '${name}' uses list values, which are not supported.`,
      );
    }
    if (dataType.startsWith('Binary')) {
      if (typeof value.BinaryValue !== 'string' || value.BinaryValue === '') {
        throw sqsError(
          'InvalidParameterValue',
          `Message (${label}) attribute '${name}' must contain a non-empty value of message attribute type '${dataType}'.`,
        );
      }
      attributes[name] = { DataType: dataType, BinaryValue: value.BinaryValue };
      continue;
    }
    if (typeof value.StringValue !== 'string' || value.StringValue === '') {
      throw sqsError(
        'InvalidParameterValue',
        `Message (${label}) attribute '${name}' must contain a non-empty value of message attribute type '${dataType}'.`,
      );
    }
    if (dataType.startsWith('Number') && !NUMBER_VALUE.test(value.StringValue)) {
      throw sqsError('InvalidParameterValue', `Could not cast message attribute '${name}' value to number.`);
    }
    attributes[name] = { DataType: dataType, StringValue: value.StringValue };
  }
  return attributes;
}

/** Whether a name list asks for `name`: `All`, `.*`, an exact name or a `prefix.*` pattern. */
function selects(names: readonly string[], name: string): boolean {
  return names.some(
    (pattern) =>
      pattern === 'All' ||
      pattern === '.*' ||
      pattern === name ||
      (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
  );
}

function checkBatchEntries(entries: Record<string, unknown>[] | undefined, entryType: string): void {
  if (entries === undefined || entries.length === 0) {
    throw sqsError('EmptyBatchRequest', `There should be at least one ${entryType} in the request.`);
  }
  if (entries.length > MAX_BATCH_ENTRIES) {
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are ${MAX_BATCH_ENTRIES}. You have sent ${entries.length}.`,
    );
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = entry.Id;
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
}

function batchFailure(id: string, error: unknown): Record<string, unknown> {
  if (error instanceof ApiError) {
    return { Id: id, SenderFault: error.party === 'Sender', Code: error.code, Message: error.message };
  }
  return { Id: id, SenderFault: false, Code: 'InternalError', Message: 'An internal error occurred.' };
}

/** The SQS model and its AWS JSON 1.0 operations. */
export class SqsService {
  readonly #options: SqsOptions;
  readonly #queues = new Map<string, Queue>();
  readonly #moveTasks = new Map<string, MoveTask[]>();

  constructor(options: SqsOptions) {
    this.#options = options;
  }

  /** Answers one operation with its JSON output, or throws an {@link ApiError}. */
  async handle(operation: string, body: Record<string, unknown>, context: RequestContext): Promise<unknown> {
    const input = new JsonInput(body, INPUT_ERRORS);
    switch (operation) {
      case 'CreateQueue':
        return this.#createQueue(input);
      case 'GetQueueUrl':
        return { QueueUrl: this.#queueByName(input.string('QueueName')).url };
      case 'GetQueueAttributes':
        return this.#getQueueAttributes(input);
      case 'SetQueueAttributes':
        return this.#setQueueAttributes(input);
      case 'ListQueues':
        return this.#listQueues(input);
      case 'DeleteQueue':
        return this.#deleteQueue(input);
      case 'PurgeQueue':
        this.#queueFromUrl(input).purge();
        return {};
      case 'SendMessage':
        return this.#sendMessage(this.#queueFromUrl(input), body, Date.now());
      case 'SendMessageBatch':
        return this.#sendMessageBatch(input, context);
      case 'ReceiveMessage':
        return this.#receiveMessage(input, context);
      case 'DeleteMessage':
        this.#deleteMessage(this.#queueFromUrl(input), input.string('ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch':
        return this.#batch(input, 'DeleteMessageBatchRequestEntry', (queue, entry) =>
          this.#deleteMessage(queue, entry.string('ReceiptHandle')),
        );
      case 'ChangeMessageVisibility':
        this.#changeVisibility(this.#queueFromUrl(input), input);
        return {};
      case 'ChangeMessageVisibilityBatch':
        return this.#batch(input, 'ChangeMessageVisibilityBatchRequestEntry', (queue, entry) =>
          this.#changeVisibility(queue, entry),
        );
      case 'ListDeadLetterSourceQueues':
        return this.#listDeadLetterSourceQueues(input);
      case 'StartMessageMoveTask':
        return this.#startMessageMoveTask(input);
      case 'ListMessageMoveTasks':
        return this.#listMessageMoveTasks(input);
      default:
        throw sqsError('UnsupportedOperation', `The emulator does not implement SQS operation ${operation}.`);
    }
  }

  /** A snapshot of every queue with its message counts. */
  snapshot(): QueueSnapshot[] {
    const now = Date.now();
    return [...this.#queues.values()].map((queue) => {
      const counts = queue.counts(now);
      return {
        name: queue.name,
        url: queue.url,
        arn: queue.arn,
        fifo: queue.fifo,
        visible: counts.visible,
        inFlight: counts['in-flight'],
        delayed: counts.delayed,
      };
    });
  }

  /** Deletes every queue, waking their long polls. */
  reset(): void {
    for (const queue of this.#queues.values()) {
      queue.deleted = true;
      queue.notify();
    }
    this.#queues.clear();
    this.#moveTasks.clear();
  }

  #arnOf(name: string): string {
    return `arn:aws:sqs:${this.#options.region}:${this.#options.accountId}:${name}`;
  }

  #queueByName(name: string): Queue {
    const queue = this.#queues.get(name);
    if (queue === undefined) throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  // Any URL whose last path segment names a queue finds it, so URLs built for another host still work.
  #queueFromUrl(input: JsonInput): Queue {
    const url = input.string('QueueUrl');
    const name = url.split('?')[0]?.split('/').filter(Boolean).pop() ?? '';
    return this.#queueByName(name);
  }

  #queueByArn(arn: string): Queue | undefined {
    const name = arn.split(':').pop() ?? '';
    const queue = this.#queues.get(name);
    return queue?.arn === arn ? queue : undefined;
  }

  #redrivePolicy(queue: Queue): RedrivePolicy | undefined {
    const policy = queue.attributes.get('RedrivePolicy');
    return policy === undefined ? undefined : parseRedrivePolicy(policy);
  }

  /** Checks attributes for a queue (new or existing) and returns their stored string forms. */
  #checkAttributes(
    attributes: Record<string, string>,
    fifo: boolean,
    creating: boolean,
  ): Map<string, string> {
    const checked = new Map<string, string>();
    for (const [name, value] of Object.entries(attributes)) {
      if (!KNOWN_ATTRIBUTES.has(name) || COMPUTED_ATTRIBUTES.includes(name)) {
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
      if (name === 'FifoQueue' && !creating) {
        throw invalidAttribute(name, value, 'FifoQueue can be set only when the queue is created.');
      }
      if (FIFO_ONLY_ATTRIBUTES.has(name) && !fifo) {
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
      const range = INTEGER_ATTRIBUTES[name];
      if (range !== undefined) {
        const number = Number(value);
        if (!/^\d+$/.test(value) || number < range[0] || number > range[1]) {
          throw invalidAttribute(name, value, `Must be an integer from ${range[0]} to ${range[1]}.`);
        }
        checked.set(name, String(number));
        continue;
      }
      const allowed = ENUM_ATTRIBUTES[name];
      if (allowed !== undefined && !allowed.includes(value)) {
        throw invalidAttribute(name, value, `Must be one of ${allowed.join(', ')}.`);
      }
      if (name === 'RedrivePolicy' && value !== '') {
        const policy = parseRedrivePolicy(value);
        const target = this.#queueByArn(policy.deadLetterTargetArn);
        if (target === undefined) throw invalidAttribute(name, value, 'Dead letter target does not exist.');
        if (target.fifo !== fifo) {
          throw invalidAttribute(
            name,
            value,
            'The dead-letter queue of a FIFO queue must also be FIFO, and vice versa.',
          );
        }
        checked.set(name, JSON.stringify(policy));
        continue;
      }
      checked.set(name, value);
    }
    return checked;
  }

  #createQueue(input: JsonInput): unknown {
    const name = input.string('QueueName');
    const requested = input.stringMap('Attributes');
    const fifo = requested.FifoQueue === 'true';
    if (fifo ? !FIFO_QUEUE_NAME.test(name) : !QUEUE_NAME.test(name)) {
      throw sqsError(
        'InvalidParameterValue',
        fifo
          ? 'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.'
          : 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.',
      );
    }
    const attributes = this.#checkAttributes(requested, fifo, true);
    const existing = this.#queues.get(name);
    if (existing !== undefined) {
      // CreateQueue is idempotent only when every given attribute matches the existing queue's value.
      for (const [key, value] of attributes) {
        if (
          existing.attributes.get(key) !== value &&
          !(key === 'FifoQueue' && value === 'false' && !existing.fifo)
        ) {
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${key}`,
          );
        }
      }
      return { QueueUrl: existing.url };
    }
    const merged = defaultAttributes(fifo);
    for (const [key, value] of attributes) {
      if (key === 'FifoQueue' && value === 'false') continue;
      if (key === 'RedrivePolicy' && value === '') continue;
      merged.set(key, value);
    }
    const queue = new Queue({
      name,
      url: `${this.#options.baseUrl()}/${this.#options.accountId}/${name}`,
      arn: this.#arnOf(name),
      attributes: merged,
      now: Date.now(),
    });
    this.#queues.set(name, queue);
    return { QueueUrl: queue.url };
  }

  #allAttributes(queue: Queue): Map<string, string> {
    const now = Date.now();
    const counts = queue.counts(now);
    const all = new Map(queue.attributes);
    all.set('QueueArn', queue.arn);
    all.set('ApproximateNumberOfMessages', String(counts.visible));
    all.set('ApproximateNumberOfMessagesNotVisible', String(counts['in-flight']));
    all.set('ApproximateNumberOfMessagesDelayed', String(counts.delayed));
    all.set('CreatedTimestamp', String(Math.floor(queue.createdAt / 1000)));
    all.set('LastModifiedTimestamp', String(Math.floor(queue.lastModifiedAt / 1000)));
    return all;
  }

  #getQueueAttributes(input: JsonInput): unknown {
    const queue = this.#queueFromUrl(input);
    const names = input.stringList('AttributeNames');
    for (const name of names) {
      if (name !== 'All' && !KNOWN_ATTRIBUTES.has(name)) {
        throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      }
    }
    if (names.length === 0) return {};
    const all = this.#allAttributes(queue);
    const Attributes: Record<string, string> = {};
    for (const [name, value] of all) {
      if (names.includes('All') || names.includes(name)) Attributes[name] = value;
    }
    return { Attributes };
  }

  #setQueueAttributes(input: JsonInput): unknown {
    const queue = this.#queueFromUrl(input);
    const attributes = this.#checkAttributes(input.stringMap('Attributes'), queue.fifo, false);
    for (const [name, value] of attributes) {
      // An empty RedrivePolicy removes it, as the API documents.
      if (name === 'RedrivePolicy' && value === '') queue.attributes.delete(name);
      else queue.attributes.set(name, value);
    }
    queue.lastModifiedAt = Date.now();
    queue.notify();
    return {};
  }

  #listQueues(input: JsonInput): unknown {
    const prefix = input.optionalString('QueueNamePrefix') ?? '';
    const maxResults = input.optionalInteger('MaxResults', 1, 1000);
    const nextToken = input.optionalString('NextToken');
    const after = nextToken === undefined ? undefined : Buffer.from(nextToken, 'base64url').toString('utf8');
    const names = [...this.#queues.keys()]
      .filter((name) => name.startsWith(prefix) && (after === undefined || name > after))
      .sort();
    const page = maxResults === undefined ? names.slice(0, 1000) : names.slice(0, maxResults);
    const last = page.at(-1);
    const more = maxResults !== undefined && page.length < names.length && last !== undefined;
    return {
      QueueUrls: page.map((name) => this.#queueByName(name).url),
      ...(more ? { NextToken: Buffer.from(last, 'utf8').toString('base64url') } : {}),
    };
  }

  #deleteQueue(input: JsonInput): unknown {
    const queue = this.#queueFromUrl(input);
    this.#queues.delete(queue.name);
    queue.deleted = true;
    queue.notify();
    return {};
  }

  /** Checks and stores one message; throws an {@link ApiError} that batch sends report per entry. */
  #sendMessage(queue: Queue, body: Record<string, unknown>, now: number): SendResult {
    const input = new JsonInput(body, INPUT_ERRORS);
    const messageBody = input.string('MessageBody');
    if (INVALID_BODY_CHARACTER.test(messageBody)) {
      throw sqsError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    const messageAttributes = checkMessageAttributes(input.raw('MessageAttributes'), false);
    const systemAttributes = checkMessageAttributes(input.raw('MessageSystemAttributes'), true);
    const maximumSize = queue.numberAttribute('MaximumMessageSize');
    if (messageSize(messageBody, messageAttributes) > maximumSize) {
      throw sqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${maximumSize} bytes.`,
      );
    }
    const delaySeconds = input.optionalInteger('DelaySeconds', 0, 900);
    const groupId = input.optionalString('MessageGroupId');
    let deduplicationId = input.optionalString('MessageDeduplicationId');
    let sequenceNumber: string | undefined;

    if (queue.fifo) {
      // FIFO queues take delays per queue only, and every message names its group.
      if (delaySeconds !== undefined && delaySeconds > 0) {
        throw sqsError(
          'InvalidParameterValue',
          `Value ${delaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`,
        );
      }
      if (groupId === undefined || groupId === '') throw INPUT_ERRORS.missing('MessageGroupId');
      if (deduplicationId === undefined) {
        if (queue.attributes.get('ContentBasedDeduplication') !== 'true') {
          throw sqsError(
            'InvalidParameterValue',
            'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
          );
        }
        deduplicationId = createHash('sha256').update(messageBody, 'utf8').digest('hex');
      }
      const scope = queue.attributes.get('DeduplicationScope') === 'messageGroup' ? `${groupId}\u0000` : '';
      const duplicate = queue.duplicateOf(scope + deduplicationId, now);
      if (duplicate !== undefined) {
        return this.#sendResult(
          duplicate.messageId,
          messageBody,
          messageAttributes,
          systemAttributes,
          duplicate.sequenceNumber,
        );
      }
      sequenceNumber = queue.nextSequenceNumber();
    } else if (deduplicationId !== undefined) {
      throw sqsError(
        'InvalidParameterValue',
        `Value ${deduplicationId} for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.`,
      );
    }

    const messageId = randomUUID();
    if (queue.fifo && deduplicationId !== undefined) {
      const scope = queue.attributes.get('DeduplicationScope') === 'messageGroup' ? `${groupId}\u0000` : '';
      queue.rememberDeduplication(scope + deduplicationId, now, messageId, sequenceNumber);
    }
    const delayMs = (delaySeconds ?? queue.numberAttribute('DelaySeconds')) * 1000;
    queue.append({
      messageId,
      body: messageBody,
      md5OfBody: md5OfBody(messageBody),
      messageAttributes,
      systemAttributes,
      senderId: this.#options.accountId,
      sentAt: now,
      groupId,
      deduplicationId: queue.fifo ? deduplicationId : undefined,
      sequenceNumber,
      deadLetterQueueSourceArn: undefined,
      visibleAt: now + delayMs,
      receiveCount: 0,
      firstReceivedAt: undefined,
      receivedAt: undefined,
      receiptHandle: undefined,
      deleted: false,
    });
    return this.#sendResult(messageId, messageBody, messageAttributes, systemAttributes, sequenceNumber);
  }

  #sendResult(
    messageId: string,
    body: string,
    attributes: Record<string, MessageAttributeValue>,
    systemAttributes: Record<string, MessageAttributeValue>,
    sequenceNumber: string | undefined,
  ): SendResult {
    const md5Attributes = md5OfMessageAttributes(attributes);
    const md5System = md5OfMessageAttributes(systemAttributes);
    return {
      MessageId: messageId,
      MD5OfMessageBody: md5OfBody(body),
      ...(md5Attributes === undefined ? {} : { MD5OfMessageAttributes: md5Attributes }),
      ...(md5System === undefined ? {} : { MD5OfMessageSystemAttributes: md5System }),
      ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
    };
  }

  #sendMessageBatch(input: JsonInput, context: RequestContext): unknown {
    const queue = this.#queueFromUrl(input);
    const entries = input.objectList('Entries');
    checkBatchEntries(entries, 'SendMessageBatchRequestEntry');
    let total = 0;
    for (const entry of entries ?? []) {
      const body = typeof entry.MessageBody === 'string' ? entry.MessageBody : '';
      total += messageSize(body, checkMessageAttributesLenient(entry.MessageAttributes));
    }
    if (total > MAX_BATCH_BYTES) {
      throw sqsError(
        'BatchRequestTooLong',
        `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
      );
    }
    const now = Date.now();
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of entries ?? []) {
      const id = String(entry.Id);
      if (context.faults.failEntry()) {
        Failed.push({
          Id: id,
          SenderFault: false,
          Code: 'InternalError',
          Message: 'An internal error occurred.',
        });
        continue;
      }
      try {
        Successful.push({ Id: id, ...this.#sendMessage(queue, entry, now) });
      } catch (error) {
        Failed.push(batchFailure(id, error));
      }
    }
    return { Successful, Failed };
  }

  async #receiveMessage(input: JsonInput, context: RequestContext): Promise<unknown> {
    const queue = this.#queueFromUrl(input);
    const maxMessages = input.optionalInteger('MaxNumberOfMessages', 1, 10) ?? 1;
    const visibilityTimeout =
      input.optionalInteger('VisibilityTimeout', 0, 43_200) ?? queue.numberAttribute('VisibilityTimeout');
    const waitSeconds =
      input.optionalInteger('WaitTimeSeconds', 0, 20) ??
      queue.numberAttribute('ReceiveMessageWaitTimeSeconds');
    const systemNames = [
      ...input.stringList('AttributeNames'),
      ...input.stringList('MessageSystemAttributeNames'),
    ];
    const attributeNames = input.stringList('MessageAttributeNames');
    const deadline = Date.now() + waitSeconds * 1000;

    for (;;) {
      const now = Date.now();
      const received = queue.deleted
        ? []
        : this.#receiveAvailable(queue, maxMessages, visibilityTimeout, now);
      if (received.length > 0) {
        return {
          Messages: received.map((message) => this.#renderMessage(message, systemNames, attributeNames)),
        };
      }
      if (now >= deadline || context.signal.aborted || queue.deleted) return {};
      await queue.waitForChange(deadline, context.signal);
    }
  }

  #receiveAvailable(
    queue: Queue,
    maxMessages: number,
    visibilityTimeout: number,
    now: number,
  ): StoredMessage[] {
    const messages = queue.messages(now);
    const redrive = this.#redrivePolicy(queue);
    const deadLetterQueue = redrive === undefined ? undefined : this.#queueByArn(redrive.deadLetterTargetArn);
    // A FIFO group with a message in flight (or delayed ahead of later ones) delivers nothing else, keeping order.
    const blockedGroups = new Set<string>();
    if (queue.fifo) {
      for (const message of messages) {
        if (message.visibleAt > now && message.groupId !== undefined) blockedGroups.add(message.groupId);
      }
    }
    const received: StoredMessage[] = [];
    for (const message of [...messages]) {
      if (received.length >= maxMessages) break;
      if (message.visibleAt > now) continue;
      if (message.groupId !== undefined && blockedGroups.has(message.groupId)) continue;
      // SQS moves a message to the DLQ when a receive would take its count past maxReceiveCount.
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
      if (
        redrive !== undefined &&
        deadLetterQueue !== undefined &&
        message.receiveCount >= redrive.maxReceiveCount
      ) {
        this.#moveMessage(queue, message, deadLetterQueue, now, queue.arn);
        continue;
      }
      queue.markReceived(message, now, now + visibilityTimeout * 1000);
      received.push(message);
    }
    return received;
  }

  /** Moves a message between queues, keeping id, body, attributes and send time; it arrives visible. */
  #moveMessage(
    from: Queue,
    message: StoredMessage,
    to: Queue,
    now: number,
    deadLetterQueueSourceArn: string | undefined,
  ): void {
    from.remove(message);
    to.append({
      ...message,
      sequenceNumber: to.fifo ? to.nextSequenceNumber() : undefined,
      deadLetterQueueSourceArn,
      visibleAt: now,
      receiveCount: 0,
      firstReceivedAt: undefined,
      receivedAt: undefined,
      receiptHandle: undefined,
      deleted: false,
    });
  }

  #renderMessage(
    message: StoredMessage,
    systemNames: readonly string[],
    attributeNames: readonly string[],
  ): unknown {
    const system: Record<string, string | undefined> = {
      SenderId: message.senderId,
      SentTimestamp: String(message.sentAt),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp:
        message.firstReceivedAt === undefined ? undefined : String(message.firstReceivedAt),
      SequenceNumber: message.sequenceNumber,
      MessageDeduplicationId: message.deduplicationId,
      MessageGroupId: message.groupId,
      AWSTraceHeader: message.systemAttributes.AWSTraceHeader?.StringValue,
      DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
    };
    const Attributes: Record<string, string> = {};
    for (const name of MESSAGE_SYSTEM_ATTRIBUTES) {
      const value = system[name];
      if (value !== undefined && (systemNames.includes('All') || systemNames.includes(name))) {
        Attributes[name] = value;
      }
    }
    const MessageAttributes: Record<string, MessageAttributeValue> = {};
    for (const [name, value] of Object.entries(message.messageAttributes)) {
      if (selects(attributeNames, name)) MessageAttributes[name] = value;
    }
    // The digest covers the attributes returned, which is what a client can check.
    const md5Attributes = md5OfMessageAttributes(MessageAttributes);
    return {
      MessageId: message.messageId,
      ReceiptHandle: message.receiptHandle,
      MD5OfBody: message.md5OfBody,
      Body: message.body,
      ...(Object.keys(Attributes).length > 0 ? { Attributes } : {}),
      ...(md5Attributes === undefined ? {} : { MD5OfMessageAttributes: md5Attributes, MessageAttributes }),
    };
  }

  #messageForHandle(queue: Queue, handle: string): StoredMessage {
    const message = queue.messageForHandle(handle);
    if (message === undefined) {
      throw sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
      );
    }
    return message;
  }

  // Deleting with an older receipt handle succeeds without deleting, as AWS documents for a message received again.
  // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html
  #deleteMessage(queue: Queue, handle: string): void {
    const message = this.#messageForHandle(queue, handle);
    if (!message.deleted && message.receiptHandle === handle) queue.remove(message);
  }

  #changeVisibility(queue: Queue, input: JsonInput): void {
    const handle = input.string('ReceiptHandle');
    const timeout = input.optionalInteger('VisibilityTimeout', 0, 43_200);
    if (timeout === undefined) throw INPUT_ERRORS.missing('VisibilityTimeout');
    const message = this.#messageForHandle(queue, handle);
    const now = Date.now();
    if (message.deleted || message.receiptHandle !== handle || messageState(message, now) !== 'in-flight') {
      throw sqsError(
        'MessageNotInflight',
        `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    // AWS refuses a change that would keep the message invisible beyond 12 hours from its receive.
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
    const elapsedSeconds = Math.floor((now - (message.receivedAt ?? now)) / 1000);
    if (elapsedSeconds + timeout > MAX_VISIBILITY_SECONDS) {
      throw INPUT_ERRORS.invalid(
        `Value ${timeout} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds]`,
      );
    }
    message.visibleAt = now + timeout * 1000;
    queue.notify();
  }

  #batch(input: JsonInput, entryType: string, apply: (queue: Queue, entry: JsonInput) => void): unknown {
    const queue = this.#queueFromUrl(input);
    const entries = input.objectList('Entries');
    checkBatchEntries(entries, entryType);
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const entry of entries ?? []) {
      const id = String(entry.Id);
      try {
        apply(queue, input.nested(entry));
        Successful.push({ Id: id });
      } catch (error) {
        Failed.push(batchFailure(id, error));
      }
    }
    return { Successful, Failed };
  }

  #sourcesOf(deadLetterQueue: Queue): Queue[] {
    return [...this.#queues.values()].filter(
      (queue) => this.#redrivePolicy(queue)?.deadLetterTargetArn === deadLetterQueue.arn,
    );
  }

  #listDeadLetterSourceQueues(input: JsonInput): unknown {
    const queue = this.#queueFromUrl(input);
    return { queueUrls: this.#sourcesOf(queue).map((source) => source.url) };
  }

  #startMessageMoveTask(input: JsonInput): unknown {
    const sourceArn = input.string('SourceArn');
    const source = this.#queueByArn(sourceArn);
    if (source === undefined) {
      throw sqsError(
        'ResourceNotFoundException',
        'The resource that you specified for the SourceArn parameter does not exist.',
      );
    }
    const sources = this.#sourcesOf(source);
    if (sources.length === 0) {
      throw sqsError('InvalidParameterValue', 'Source queue must be configured as a Dead Letter Queue.');
    }
    const destinationArn = input.optionalString('DestinationArn');
    const destination = destinationArn === undefined ? undefined : this.#queueByArn(destinationArn);
    if (destinationArn !== undefined && destination === undefined) {
      throw sqsError(
        'ResourceNotFoundException',
        'The resource that you specified for the DestinationArn parameter does not exist.',
      );
    }
    const rate = input.optionalInteger('MaxNumberOfMessagesPerSecond', 1, 500);
    const now = Date.now();
    const movable = source.messages(now).filter((message) => messageState(message, now) !== 'in-flight');
    let moved = 0;
    for (const message of movable) {
      // Without a destination each message goes back to the queue it was dead-lettered from.
      const target =
        destination ??
        (message.deadLetterQueueSourceArn === undefined
          ? undefined
          : this.#queueByArn(message.deadLetterQueueSourceArn)) ??
        (sources.length === 1 ? sources[0] : undefined);
      if (target === undefined) continue;
      this.#moveMessage(source, message, target, now, undefined);
      moved += 1;
    }
    const TaskHandle = Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn }), 'utf8').toString(
      'base64',
    );
    const task: MoveTask = {
      TaskHandle,
      Status: moved === movable.length ? 'COMPLETED' : 'FAILED',
      SourceArn: sourceArn,
      ...(destinationArn === undefined ? {} : { DestinationArn: destinationArn }),
      ...(rate === undefined ? {} : { MaxNumberOfMessagesPerSecond: rate }),
      ApproximateNumberOfMessagesMoved: moved,
      ApproximateNumberOfMessagesToMove: movable.length,
      ...(moved === movable.length
        ? {}
        : { FailureReason: 'Some messages have no source queue to return to; give a DestinationArn.' }),
      StartedTimestamp: now,
    };
    this.#moveTasks.set(sourceArn, [task, ...(this.#moveTasks.get(sourceArn) ?? [])]);
    return { TaskHandle };
  }

  #listMessageMoveTasks(input: JsonInput): unknown {
    const sourceArn = input.string('SourceArn');
    if (this.#queueByArn(sourceArn) === undefined) {
      throw sqsError(
        'ResourceNotFoundException',
        'The resource that you specified for the SourceArn parameter does not exist.',
      );
    }
    const maxResults = input.optionalInteger('MaxResults', 1, 10) ?? 1;
    return { Results: (this.#moveTasks.get(sourceArn) ?? []).slice(0, maxResults) };
  }
}

/** Reads attributes for size accounting only; full checks happen per entry, where a failure is reported. */
function checkMessageAttributesLenient(raw: unknown): Record<string, MessageAttributeValue> {
  try {
    return checkMessageAttributes(raw, false);
  } catch {
    return {};
  }
}
