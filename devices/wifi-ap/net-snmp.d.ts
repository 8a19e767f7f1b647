/**
 * Types for the parts of net-snmp 3.29 this project uses (the package ships none). Kept to what
 * devices/wifi-ap/ calls, so a wrong call fails to compile instead of failing on a device.
 */
declare module 'net-snmp' {
  import type { EventEmitter } from 'node:events';

  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export const Version1: 0;
  export const Version2c: 1;
  export const Version3: 3;

  export const ObjectType: {
    Boolean: number;
    Integer: number;
    OctetString: number;
    Null: number;
    OID: number;
    IpAddress: number;
    Counter: number;
    Counter32: number;
    Gauge: number;
    Gauge32: number;
    TimeTicks: number;
    Opaque: number;
    Counter64: number;
    NoSuchObject: number;
    NoSuchInstance: number;
    EndOfMibView: number;
    [name: string]: number;
  };

  export const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  export const AuthProtocols: { none: number; md5: number; sha: number; sha224: number; sha256: number; sha384: number; sha512: number };
  export const PrivProtocols: { none: number; des: number; aes: number; aes256b: number; aes256r: number };
  export const MibProviderType: { Scalar: number; Table: number };
  export const MaxAccess: { 'not-accessible': number; 'accessible-for-notify': number; 'read-only': number; 'read-write': number; 'read-create': number };

  export class RequestTimedOutError extends Error {}
  export class RequestFailedError extends Error {
    status?: number;
  }
  export class ResponseInvalidError extends Error {
    code?: number;
  }
  export class RequestInvalidError extends Error {}

  export function isVarbindError(vb: Varbind): boolean;
  export function varbindError(vb: Varbind): string;

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    backoff?: number;
    transport?: 'udp4' | 'udp6';
    version?: number;
    idBitsSize?: 16 | 32;
    context?: string;
  }

  export interface User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  export interface Session extends EventEmitter {
    get(oids: string[], cb: (error: Error | null, varbinds?: Varbind[]) => void): void;
    getNext(oids: string[], cb: (error: Error | null, varbinds?: Varbind[]) => void): void;
    subtree(oid: string, maxRepetitions: number, feedCb: (varbinds: Varbind[]) => boolean | void, doneCb: (error: Error | null) => void): void;
    walk(oid: string, maxRepetitions: number, feedCb: (varbinds: Varbind[]) => boolean | void, doneCb: (error: Error | null) => void): void;
    table(oid: string, maxRepetitions: number, cb: (error: Error | null, table?: Record<string, Record<string, unknown>>) => void): void;
    close(): void;
  }

  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  export function createV3Session(target: string, user: User, options?: SessionOptions): Session;

  export interface ScalarProvider {
    name: string;
    type: number;
    oid: string;
    scalarType: number;
    maxAccess: number;
    handler?: (req: MibRequest) => void;
  }

  export interface TableColumn {
    number: number;
    name: string;
    type: number;
    maxAccess: number;
  }

  export interface TableProvider {
    name: string;
    type: number;
    oid: string;
    maxAccess: number;
    tableColumns: TableColumn[];
    tableIndex?: Array<{ columnName: string; foreign?: string; implied?: boolean }>;
    tableAugments?: string;
    handler?: (req: MibRequest) => void;
  }

  export interface MibRequest {
    oid: string;
    operation: number;
    instanceNode: { value: unknown };
    done(error?: { errorStatus: number }): void;
  }

  export interface Mib {
    registerProvider(p: ScalarProvider | TableProvider): void;
    registerProviders(p: Array<ScalarProvider | TableProvider>): void;
    setScalarValue(name: string, value: unknown): void;
    getScalarValue(name: string): unknown;
    addTableRow(table: string, row: unknown[]): void;
    deleteTableRow(table: string, rowIndex: unknown[]): void;
    setTableSingleCell(table: string, column: number, rowIndex: unknown[], value: unknown): void;
    getTableSingleCell(table: string, column: number, rowIndex: unknown[]): unknown;
    dump(options?: Record<string, boolean>): void;
  }

  export interface Authorizer {
    addCommunity(community: string): void;
    deleteCommunity(community: string): void;
    addUser(user: User): void;
    deleteUser(name: string): void;
  }

  /** A module with dgram's createSocket; lets a caller own the agent's socket (port 0, muting). */
  export interface DgramModule {
    createSocket(type: 'udp4' | 'udp6'): import('node:dgram').Socket;
  }

  export interface AgentOptions {
    port?: number;
    address?: string | null;
    transport?: 'udp4' | 'udp6';
    disableAuthorization?: boolean;
    engineID?: string;
    dgramModule?: DgramModule;
  }

  export interface Agent {
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    close(cb?: (socket: { address: string; family: string; port: number }) => void): void;
  }

  export function createAgent(options: AgentOptions, callback: (error: Error | null, data?: unknown) => void, mib?: Mib): Agent;

  const snmp: {
    Version1: typeof Version1;
    Version2c: typeof Version2c;
    Version3: typeof Version3;
    ObjectType: typeof ObjectType;
    SecurityLevel: typeof SecurityLevel;
    AuthProtocols: typeof AuthProtocols;
    PrivProtocols: typeof PrivProtocols;
    MibProviderType: typeof MibProviderType;
    MaxAccess: typeof MaxAccess;
    RequestTimedOutError: typeof RequestTimedOutError;
    RequestFailedError: typeof RequestFailedError;
    ResponseInvalidError: typeof ResponseInvalidError;
    RequestInvalidError: typeof RequestInvalidError;
    isVarbindError: typeof isVarbindError;
    varbindError: typeof varbindError;
    createSession: typeof createSession;
    createV3Session: typeof createV3Session;
    createAgent: typeof createAgent;
  };
  export default snmp;
}
