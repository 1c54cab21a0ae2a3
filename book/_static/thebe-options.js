/* Live code (Thebe) for the book.
 *
 * sphinx-thebe 0.3 loads Thebe on request and calls thebelab.bootstrap() without options,
 * as Thebe 0.8 expected. The book serves Thebe 0.9 from its own _static/vendor/thebe (the
 * npm registry's current release; see helpers/vendor.py), whose bootstrap() needs
 * `requestKernel` passed to start a kernel. This wraps bootstrap() to pass it, plus any
 * `window.bookThebeOptions` a page sets (the tests use it to point Thebe at a Jupyter
 * server on localhost instead of Binder).
 */
(function () {
  "use strict";
  var thebe;
  Object.defineProperty(window, "thebelab", {
    configurable: true,
    get: function () {
      return thebe;
    },
    set: function (value) {
      var bootstrap = value.bootstrap;
      value.bootstrap = function (options) {
        return bootstrap(
          Object.assign(
            { requestKernel: true },
            window.bookThebeOptions || {},
            options || {}
          )
        );
      };
      thebe = value;
    },
  });
})();
