/**
 * Turns whatever a route throws into the API's error answer: dstash errors by
 * their code, the HTTP layer's own errors by their status, fastify's (bad
 * JSON, unsupported media type, body over the limit) as bad input; anything
 * else is a 500, logged, and never takes the node down.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DstashError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { fromDstashError, HttpError } from './http-errors.js';

/** A fastify error handler; `tooLarge` answers a body over the route's limit. */
export type ErrorHandler = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void;

/** The answer to whatever a route threw. */
function toHttpError(error: unknown, tooLarge: HttpError): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof DstashError) return fromDstashError(error);
  const e = error as Partial<FastifyError>;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return tooLarge;
  const message = error instanceof Error ? error.message : String(error);
  // fastify's own 4xx (bad JSON, unsupported media type) are bad input.
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new HttpError(e.statusCode, ErrorCode.InvalidArgument, message);
  return new HttpError(500, ErrorCode.Internal, message);
}

/** An error handler whose answer to a body over the limit is `tooLarge`. */
export function errorHandler(tooLarge: HttpError, log: Logger): ErrorHandler {
  return (error, request, reply) => {
    const answer = toHttpError(error, tooLarge);
    if (answer.status === 500) log.error({ err: error, method: request.method, route: request.routeOptions.url }, 'HTTP request failed');
    void reply.status(answer.status).send(answer.body);
  };
}
