/**
 * The part of node-onvif 0.1.7 (untyped, CommonJS) that onvif.ts and discovery.ts use. Parsed SOAP
 * comes from xml2js with prefixes stripped, `explicitArray: false` and attributes under `$`, so its
 * shape depends on the camera: it is typed `unknown` and read defensively.
 */
declare module 'node-onvif' {
  export interface OnvifSoapResult {
    /** The raw response XML. */
    soap: string;
    /** The whole parsed envelope (`{ Header, Body }`). */
    converted: unknown;
    /** The parsed Body (`{ <Op>Response: … }`). */
    data: unknown;
  }

  export interface OnvifProfileInfo {
    token: string;
    name: string;
    snapshot: string;
    stream: { udp: string; http: string; rtsp: string };
    video: {
      source: { token: string; name: string; bounds: { width: number; height: number; x: number; y: number } } | null;
      encoder: {
        token: string;
        name: string;
        resolution: { width: number; height: number };
        quality: number;
        framerate: number;
        bitrate: number;
        encoding: string;
      } | null;
    };
  }

  export interface OnvifServiceDevice {
    /** Also updates the offset used for the next requests' WS-UsernameToken `Created`. */
    getSystemDateAndTime(): Promise<OnvifSoapResult>;
    getDeviceInformation(): Promise<OnvifSoapResult>;
    getTimeDiff(): number;
  }

  export interface OnvifDeviceParams {
    xaddr: string;
    user?: string;
    pass?: string;
  }

  export interface OnvifDeviceInstance {
    readonly services: { device: OnvifServiceDevice; media: unknown };
    /** Sends the init sequence (see TESTING.md); resolves with GetDeviceInformationResponse. */
    init(): Promise<Record<string, unknown>>;
    getInformation(): Record<string, unknown> | null;
    getProfileList(): OnvifProfileInfo[];
    getCurrentProfile(): OnvifProfileInfo | null;
    /** GET of the current profile's snapshot URI (shared, non-reentrant Digest state: see digest.ts). */
    fetchSnapshot(): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>;
  }

  export interface NodeOnvif {
    OnvifDevice: new (params: OnvifDeviceParams) => OnvifDeviceInstance;
    /** Documented as private; where startProbe() sends its probes. */
    _MULTICAST_ADDRESS: string;
    _PORT: number;
    _DISCOVERY_WAIT: number;
    startProbe(): Promise<
      Array<{ urn: string; name: string; hardware: string; location: string; types: string[] | string; xaddrs: string[]; scopes: string[] }>
    >;
  }

  const nodeOnvif: NodeOnvif;
  export default nodeOnvif;
}
