"""``followup serve``: the advice over HTTP, as a JSON API and as a page in a browser.

- ``http``: what every request goes through: body limits and timeouts, content types, the
  error shapes (422 with the batch records' ``{"field", "line", "message"}``, 413, 415);
- ``v1``: the JSON API, whose bodies are the CLI's JSON byte for byte;
- ``openapi``: the OpenAPI 3.1 document, built from the two JSON Schemas (no second model);
- ``page``, ``form`` and ``words``: the HTML page in English, Danish, Swedish and Norwegian;
- ``app``: the Starlette application: security headers, the token, the routes.

The server keeps nothing between requests: the only thing written anywhere is the decision
log, and only when ``--audit-log`` names one.
"""
