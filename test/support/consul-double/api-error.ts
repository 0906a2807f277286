/**
 * An HTTP error answer of the Consul double. Consul answers errors with a
 * status code and a plain-text reason (e.g. 403 "ACL not found").
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
