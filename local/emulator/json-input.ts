import type { ApiError } from './errors.js';

/** How a service names a missing or malformed member of a JSON request. */
export interface InputErrors {
  missing(member: string): ApiError;
  invalid(message: string): ApiError;
}

/** Typed, checked access to the members of a JSON 1.0 request body. */
export class JsonInput {
  readonly #body: Record<string, unknown>;
  readonly #errors: InputErrors;

  constructor(body: Record<string, unknown>, errors: InputErrors) {
    this.#body = body;
    this.#errors = errors;
  }

  /** The raw member, unchecked. */
  raw(member: string): unknown {
    return this.#body[member];
  }

  /** An optional string member. */
  optionalString(member: string): string | undefined {
    const value = this.#body[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.#errors.invalid(`${member} must be a string.`);
    return value;
  }

  /** A required, non-empty string member. */
  string(member: string): string {
    const value = this.optionalString(member);
    if (value === undefined || value === '') throw this.#errors.missing(member);
    return value;
  }

  /** An optional integer member within [min, max]. */
  optionalInteger(member: string, min: number, max: number): number | undefined {
    const value = this.#body[member];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw this.#errors.invalid(
        `Value ${String(value)} for parameter ${member} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
      );
    }
    return value;
  }

  /** An optional list of strings (empty when absent). */
  stringList(member: string): string[] {
    const value = this.#body[member];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw this.#errors.invalid(`${member} must be a list of strings.`);
    }
    return value;
  }

  /** An optional map of string to string (empty when absent). */
  stringMap(member: string): Record<string, string> {
    const value = this.#body[member];
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value))
      throw this.#errors.invalid(`${member} must be a map.`);
    const map: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw this.#errors.invalid(`${member}.${key} must be a string.`);
      map[key] = item;
    }
    return map;
  }

  /** An optional list of objects (undefined when absent). */
  objectList(member: string): Record<string, unknown>[] | undefined {
    const value = this.#body[member];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'object' && item !== null)) {
      throw this.#errors.invalid(`${member} must be a list of structures.`);
    }
    return value as Record<string, unknown>[];
  }

  /** Reads a nested structure with the same error conventions. */
  nested(body: Record<string, unknown>): JsonInput {
    return new JsonInput(body, this.#errors);
  }
}
