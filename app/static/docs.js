// The interactive docs at /docs: swagger-ui on the generated /openapi.json.
// No validator badge (it would call an outside service) and the key kept for the tab only.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    tryItOutEnabled: true,
    displayRequestDuration: true,
  });
});
