/** A remote acceptor over gRPC: the internal dstash.v1.Paxos service, one unary call per phase. */
import type * as grpc from '@grpc/grpc-js';
import type { RegisterValue } from '../../consensus/acceptor-state.js';
import type { AcceptorTransport, AcceptReply, PrepareReply } from '../../consensus/acceptor-transport.js';
import { PaxosService } from '../../protocol/definitions.js';
import type { PaxosClient } from '../../protocol/generated/dstash/v1/Paxos.js';
import { fromAcceptResponse, fromPrepareResponse, toPaxosValue } from '../../protocol/paxos-wire.js';
import { fromServiceError } from '../../protocol/status.js';
import { channelOptions } from '../grpc-replica-transport.js';
import { withToken, type TokenSource } from '../../protocol/bearer-token.js';

/** One remote acceptor. */
export class GrpcAcceptorTransport implements AcceptorTransport {
  private readonly client: PaxosClient;

  constructor(
    readonly address: string,
    credentials: grpc.ChannelCredentials,
    maxMessageBytes: number,
    token?: TokenSource | string,
  ) {
    this.client = new PaxosService(address, credentials, withToken(channelOptions(maxMessageBytes), token));
  }

  prepare(index: string, key: Buffer, ballot: Buffer, timeoutMs: number): Promise<PrepareReply> {
    return new Promise((resolve, reject) => {
      this.client.Prepare({ index, key, ballot }, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(fromServiceError(err, this.address));
        else resolve(fromPrepareResponse(res!));
      });
    });
  }

  accept(index: string, key: Buffer, ballot: Buffer, value: RegisterValue, timeoutMs: number): Promise<AcceptReply> {
    return new Promise((resolve, reject) => {
      this.client.Accept({ index, key, ballot, value: toPaxosValue(key, value) }, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(fromServiceError(err, this.address));
        else resolve(fromAcceptResponse(res!));
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
