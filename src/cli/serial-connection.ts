/**
 * The CLI's connection to one node's Serial service (linearizable single-key
 * operations, proposed by the node), and how commands print its answers.
 */
import type { Command } from '@oclif/core';
import { DstashError, ErrorCode } from '../errors.js';
import { SerialService } from '../protocol/definitions.js';
import type { SerialClient } from '../protocol/generated/dstash/v1/Serial.js';
import type { SerialRequest } from '../protocol/generated/dstash/v1/SerialRequest.js';
import type { SerialResponse__Output } from '../protocol/generated/dstash/v1/SerialResponse.js';
import { channelCredentials } from '../protocol/tls.js';
import { tlsOptions } from './flags.js';
import { withToken } from '../protocol/bearer-token.js';
import { call, type DataFlags } from './node-connection.js';

/** Runs one serial operation on the node `--node` names. */
export async function serialCall(flags: DataFlags, request: SerialRequest): Promise<SerialResponse__Output> {
  const client = new SerialService(flags.node, channelCredentials(tlsOptions(flags)), withToken({ 'grpc.max_receive_message_length': -1 }, flags.token)) as SerialClient;
  try {
    return await call<SerialResponse__Output>(client, client.Execute, { index: flags.index, ...request }, flags);
  } finally {
    client.close();
  }
}

/** A version given on the command line (hex, as `--json` prints it); `DSTASH_INVALID_ARGUMENT` otherwise. */
export function versionArg(text: string): Buffer {
  if (!/^[0-9a-f]{24}$/i.test(text)) throw new DstashError(ErrorCode.InvalidArgument, `invalid version ${JSON.stringify(text)}: 24 hex digits, as get --json prints it`);
  return Buffer.from(text, 'hex');
}

/**
 * Prints a conditional write's answer: `OK` (or JSON) when it applied; when
 * its condition failed, says so with `DSTASH_CONDITION_FAILED` and the current
 * version, and exits 1.
 */
export function printConditional(command: Command, res: SerialResponse__Output, json: boolean): void {
  const version = res.version.length > 0 ? res.version.toString('hex') : null;
  if (json) {
    command.log(JSON.stringify(res.applied
      ? { ok: true, applied: true, version }
      : { ok: false, applied: false, code: ErrorCode.ConditionFailed, found: res.found, version, value: res.found ? res.value.toString('utf8') : null }));
  } else if (res.applied) {
    command.log('OK');
  } else {
    command.logToStderr(`not applied: the condition failed (the key is ${res.found ? `at version ${version}` : 'absent'}) [${ErrorCode.ConditionFailed}]`);
  }
  if (!res.applied) command.exit(1);
}
