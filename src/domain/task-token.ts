/** A task token shortened for logs: a token lets anyone answer a running execution, so it is never logged whole. */
export function redactToken(taskToken: string): string {
  return taskToken.length <= 16 ? '***' : `${taskToken.slice(0, 4)}...${taskToken.slice(-4)}`;
}
