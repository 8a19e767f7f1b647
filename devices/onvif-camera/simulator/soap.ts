import type { UsernameToken } from './auth.js';

/**
 * SOAP 1.2 messages of the simulated camera: just enough of ONVIF Device and Media (ver10) for
 * node-onvif's init sequence and the hub's checks. Requests are read with small regular expressions on
 * local names (prefixes vary between clients); answers use the usual tds/trt/tt prefixes.
 */

export interface SoapRequest {
  /** Local name of the first child of Body, e.g. "GetProfiles". */
  op: string;
  token: UsernameToken | null;
  /** Text of the first element with this local name, if any. */
  param(name: string): string | undefined;
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function unescape(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Text content of the first `<prefix:name …>text</prefix:name>` in `xml`. */
export function elementText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${name}\\s*>`).exec(xml);
  return m ? unescape((m[1] ?? '').trim()) : undefined;
}

function attribute(xml: string, element: string, attr: string): string | undefined {
  const m = new RegExp(`<(?:[\\w.-]+:)?${element}\\s[^>]*?\\b${attr}\\s*=\\s*"([^"]*)"`).exec(xml);
  return m?.[1];
}

export function parseSoapRequest(xml: string): SoapRequest | null {
  const body = /<(?:[\w.-]+:)?Body(?:\s[^>]*)?>([\s\S]*)<\/(?:[\w.-]+:)?Body\s*>/.exec(xml);
  if (!body) return null;
  const inner = body[1] ?? '';
  const first = /<(?:[\w.-]+:)?([\w.-]+)[\s/>]/.exec(inner);
  if (!first) return null;
  const header = /<(?:[\w.-]+:)?Header(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?Header\s*>/.exec(xml)?.[1] ?? '';
  let token: UsernameToken | null = null;
  if (/UsernameToken/.test(header)) {
    token = {
      username: elementText(header, 'Username') ?? '',
      password: elementText(header, 'Password') ?? '',
      passwordType: attribute(header, 'Password', 'Type') ?? '#PasswordText',
      nonce: elementText(header, 'Nonce') ?? '',
      created: elementText(header, 'Created') ?? '',
    };
  }
  return { op: first[1] ?? '', token, param: (name) => elementText(inner, name) };
}

const NS = [
  'xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope"',
  'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"',
  'xmlns:trt="http://www.onvif.org/ver10/media/wsdl"',
  'xmlns:tt="http://www.onvif.org/ver10/schema"',
  'xmlns:ter="http://www.onvif.org/ver10/error"',
].join(' ');

export function envelope(body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${NS}><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
}

/** A SOAP 1.2 Fault; `subcode` like "ter:NotAuthorized". */
export function fault(code: 'Sender' | 'Receiver', subcode: string, reason: string): string {
  return envelope(
    `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:${code}</SOAP-ENV:Value>` +
      `<SOAP-ENV:Subcode><SOAP-ENV:Value>${subcode}</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code>` +
      `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${xmlEscape(reason)}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`,
  );
}

export interface CameraIdentity {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
}

export interface SimProfile {
  token: string;
  name: string;
  width: number;
  height: number;
  fps: number;
  kbps: number;
  streamPath: string;
}

/** Profiles a typical two-stream camera offers: main first (the one a client picks by default). */
export const PROFILES: readonly SimProfile[] = [
  { token: 'Profile_1', name: 'mainStream', width: 1920, height: 1080, fps: 25, kbps: 4096, streamPath: '/stream1' },
  { token: 'Profile_2', name: 'subStream', width: 640, height: 360, fps: 15, kbps: 512, streamPath: '/stream2' },
];

export function systemDateAndTime(deviceNow: number): string {
  const d = new Date(deviceNow);
  const tt = (n: string, v: number) => `<tt:${n}>${v}</tt:${n}>`;
  const utc =
    `<tt:Time>${tt('Hour', d.getUTCHours())}${tt('Minute', d.getUTCMinutes())}${tt('Second', d.getUTCSeconds())}</tt:Time>` +
    `<tt:Date>${tt('Year', d.getUTCFullYear())}${tt('Month', d.getUTCMonth() + 1)}${tt('Day', d.getUTCDate())}</tt:Date>`;
  // Vietnam is UTC+7 without daylight saving; POSIX TZ strings invert the sign.
  const l = new Date(deviceNow + 7 * 3_600_000);
  const local =
    `<tt:Time>${tt('Hour', l.getUTCHours())}${tt('Minute', l.getUTCMinutes())}${tt('Second', l.getUTCSeconds())}</tt:Time>` +
    `<tt:Date>${tt('Year', l.getUTCFullYear())}${tt('Month', l.getUTCMonth() + 1)}${tt('Day', l.getUTCDate())}</tt:Date>`;
  return (
    `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>` +
    `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>ICT-7</tt:TZ></tt:TimeZone>` +
    `<tt:UTCDateTime>${utc}</tt:UTCDateTime><tt:LocalDateTime>${local}</tt:LocalDateTime>` +
    `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
  );
}

export function capabilities(deviceXaddr: string, mediaXaddr: string): string {
  return (
    `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
    `<tt:Device><tt:XAddr>${xmlEscape(deviceXaddr)}</tt:XAddr></tt:Device>` +
    `<tt:Media><tt:XAddr>${xmlEscape(mediaXaddr)}</tt:XAddr><tt:StreamingCapabilities>` +
    `<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>` +
    `</tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>`
  );
}

export function services(deviceXaddr: string, mediaXaddr: string): string {
  const svc = (ns: string, xaddr: string) =>
    `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${xmlEscape(xaddr)}</tds:XAddr>` +
    `<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
  return `<tds:GetServicesResponse>${svc('http://www.onvif.org/ver10/device/wsdl', deviceXaddr)}${svc('http://www.onvif.org/ver10/media/wsdl', mediaXaddr)}</tds:GetServicesResponse>`;
}

export function deviceInformation(id: CameraIdentity): string {
  return (
    `<tds:GetDeviceInformationResponse><tds:Manufacturer>${xmlEscape(id.manufacturer)}</tds:Manufacturer>` +
    `<tds:Model>${xmlEscape(id.model)}</tds:Model><tds:FirmwareVersion>${xmlEscape(id.firmware)}</tds:FirmwareVersion>` +
    `<tds:SerialNumber>${xmlEscape(id.serial)}</tds:SerialNumber><tds:HardwareId>${xmlEscape(id.hardwareId)}</tds:HardwareId>` +
    `</tds:GetDeviceInformationResponse>`
  );
}

function profileXml(p: SimProfile): string {
  // node-onvif reads token attributes, Bounds attributes and (when an encoder is present) RateControl.
  return (
    `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${p.name}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="VideoSourceConfig_1"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount>` +
    `<tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>` +
    `<tt:VideoEncoderConfiguration token="VideoEncoder_${p.token}"><tt:Name>VideoEncoder_${p.name}</tt:Name><tt:UseCount>1</tt:UseCount>` +
    `<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>` +
    `<tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
    `<tt:BitrateLimit>${p.kbps}</tt:BitrateLimit></tt:RateControl><tt:H264><tt:GovLength>${p.fps * 2}</tt:GovLength>` +
    `<tt:H264Profile>Main</tt:H264Profile></tt:H264><tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration>` +
    `</trt:Profiles>`
  );
}

export function profiles(list: readonly SimProfile[]): string {
  return `<trt:GetProfilesResponse>${list.map(profileXml).join('')}</trt:GetProfilesResponse>`;
}

export function videoSources(): string {
  return (
    `<trt:GetVideoSourcesResponse><trt:VideoSources token="VideoSource_1"><tt:Framerate>25</tt:Framerate>` +
    `<tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`
  );
}

export function mediaUri(op: 'GetStreamUri' | 'GetSnapshotUri', uri: string): string {
  return (
    `<trt:${op}Response><trt:MediaUri><tt:Uri>${xmlEscape(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
    `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:${op}Response>`
  );
}
