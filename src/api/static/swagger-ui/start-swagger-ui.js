// Starts Swagger UI on the OpenAPI document the page names (data-openapi-url).
// A file of its own, not an inline script, so that the docs' Content-Security-Policy
// admits scripts from this server only (api.middleware.DOCS_CSP).
"use strict";

(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The public validator would be asked for a badge: no other host is contacted.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
