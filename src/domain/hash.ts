/** FNV-1a, 64 bits, as 16 hex digits: short, stable and dependency-free (not for secrets). */
export function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

/** SQS's longest MessageGroupId. */
const MAX_GROUP_ID_LENGTH = 128;

/**
 * A FIFO MessageGroupId for a cluster security group, as AWS identifies it: names are case-insensitive
 * and AWS stores them lower-case, so `Analytics-Prod` and `analytics-prod` share one group. The name
 * itself when it fits SQS's 128 characters (names may have 255), else its head and a hash.
 */
export function fifoGroupId(groupName: string): string {
  const name = groupName.toLowerCase();
  if (name.length <= MAX_GROUP_ID_LENGTH) return name;
  const hash = fnv1a64(name);
  return `${name.slice(0, MAX_GROUP_ID_LENGTH - hash.length - 1)}-${hash}`;
}
