export { createHttpClient, describeProxy, DEFAULT_TIMEOUTS } from './http-client.js';
export type { HttpClient, HttpClientOptions, HttpRequest, HttpTimeouts } from './http-client.js';
export { msalNetworkModule } from './msal-network.js';
export { bypassesProxy } from './no-proxy.js';
