import { randomUUID } from 'node:crypto';
import { ApiError } from './errors.js';
import { JsonInput } from './json-input.js';

/** A Redshift Serverless workgroup: its name, VPC security groups and port. */
export interface WorkgroupSnapshot {
  readonly workgroupName: string;
  readonly workgroupId: string;
  readonly namespaceName: string;
  readonly securityGroupIds: string[];
  readonly port: number;
}

/** What a new workgroup is made of. */
export interface WorkgroupSeed {
  readonly workgroupName: string;
  readonly securityGroupIds: readonly string[];
  /** 5431-5455 or 8191-8215. Default 5439. */
  readonly port?: number;
  readonly namespaceName?: string;
}

// Workgroup names: 3-64 lowercase letters, digits and hyphens.
// https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_GetWorkgroup.html
const WORKGROUP_NAME = /^[a-z0-9-]+$/;
const DEFAULT_PORT = 5439;

function validation(message: string): ApiError {
  return new ApiError('ValidationException', message);
}

const INPUT_ERRORS = {
  missing: (member: string) =>
    validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    ),
  invalid: validation,
};

function isWorkgroupPort(port: number): boolean {
  return Number.isInteger(port) && ((port >= 5431 && port <= 5455) || (port >= 8191 && port <= 8215));
}

/** Redshift Serverless workgroups, answering GetWorkgroup on AWS JSON 1.1. */
export class RedshiftServerlessService {
  readonly #workgroups = new Map<string, WorkgroupSnapshot>();
  readonly #region: string;
  readonly #accountId: string;

  constructor(options: { readonly region: string; readonly accountId: string }) {
    this.#region = options.region;
    this.#accountId = options.accountId;
  }

  /** Answers one operation with its JSON output, or throws an {@link ApiError}. */
  handle(operation: string, body: Record<string, unknown>): unknown {
    if (operation !== 'GetWorkgroup') {
      throw new ApiError(
        'UnknownOperationException',
        `The emulator does not implement Redshift Serverless ${operation}.`,
      );
    }
    const name = new JsonInput(body, INPUT_ERRORS).string('workgroupName');
    if (name.length < 3 || name.length > 64 || !WORKGROUP_NAME.test(name)) {
      throw validation(
        `1 validation error detected: Value '${name}' at 'workgroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9-]+$ and have length between 3 and 64`,
      );
    }
    const workgroup = this.#workgroups.get(name);
    if (workgroup === undefined) {
      throw new ApiError('ResourceNotFoundException', `Workgroup ${name} not found.`, { statusCode: 404 });
    }
    const address = `${name}.${this.#accountId}.${this.#region}.redshift-serverless.amazonaws.com`;
    return {
      workgroup: {
        workgroupId: workgroup.workgroupId,
        workgroupArn: `arn:aws:redshift-serverless:${this.#region}:${this.#accountId}:workgroup/${workgroup.workgroupId}`,
        workgroupName: name,
        namespaceName: workgroup.namespaceName,
        baseCapacity: 128,
        securityGroupIds: [...workgroup.securityGroupIds],
        subnetIds: [],
        status: 'AVAILABLE',
        endpoint: { address, port: workgroup.port, vpcEndpoints: [] },
        publiclyAccessible: false,
        port: workgroup.port,
      },
    };
  }

  /** Creates a workgroup; the caller checks that its security groups exist. */
  createWorkgroup(seed: WorkgroupSeed): WorkgroupSnapshot {
    const name = seed.workgroupName;
    if (typeof name !== 'string' || name.length < 3 || name.length > 64 || !WORKGROUP_NAME.test(name)) {
      throw new TypeError('workgroupName must be 3-64 lowercase letters, digits or hyphens');
    }
    if (this.#workgroups.has(name)) throw new TypeError(`workgroup ${name} already exists`);
    const port = seed.port ?? DEFAULT_PORT;
    if (!isWorkgroupPort(port)) throw new TypeError('port must be 5431-5455 or 8191-8215');
    const workgroup: WorkgroupSnapshot = {
      workgroupName: name,
      workgroupId: randomUUID(),
      namespaceName: seed.namespaceName ?? `${name}-namespace`,
      securityGroupIds: [...seed.securityGroupIds],
      port,
    };
    this.#workgroups.set(name, workgroup);
    return { ...workgroup, securityGroupIds: [...workgroup.securityGroupIds] };
  }

  /** A copy of every workgroup, sorted by name. */
  workgroups(): WorkgroupSnapshot[] {
    return [...this.#workgroups.values()]
      .sort((a, b) => (a.workgroupName < b.workgroupName ? -1 : 1))
      .map((workgroup) => ({ ...workgroup, securityGroupIds: [...workgroup.securityGroupIds] }));
  }

  /** Deletes every workgroup. */
  reset(): void {
    this.#workgroups.clear();
  }
}
