'use strict';
/**
 * The `debug` package as the bundled hub loads it (scripts/build/bundle.mjs). mqtt-packet calls its
 * `debug` loggers several times for every MQTT message (the web libraries use them too); the real ones
 * collect their arguments and look up whether they are enabled on each call, even when nothing is
 * printed (~3 % of the hub's CPU and ~5 % of what it allocates while it takes in a burst). Unless
 * DEBUG is set when the hub starts, each logger here is a function that does nothing; with DEBUG set,
 * the real package, exactly as without the bundle.
 */
if (process.env.DEBUG) {
  module.exports = require('debug');
} else {
  const quiet = (namespace) => {
    function debug() {}
    debug.namespace = namespace;
    debug.enabled = false;
    debug.useColors = false;
    debug.log = debug;
    debug.extend = (sub, delimiter) => quiet(`${namespace}${delimiter === undefined ? ':' : delimiter}${sub}`);
    debug.destroy = () => false;
    return debug;
  };
  const createDebug = (namespace) => quiet(String(namespace));
  createDebug.debug = createDebug;
  createDebug.default = createDebug;
  createDebug.enable = () => undefined;
  createDebug.disable = () => '';
  createDebug.enabled = () => false;
  createDebug.coerce = (v) => v;
  createDebug.humanize = (ms) => `${ms}ms`;
  createDebug.names = [];
  createDebug.skips = [];
  createDebug.formatters = {};
  createDebug.selectColor = () => 0;
  module.exports = createDebug;
}
