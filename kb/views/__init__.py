"""HTML blueprints. A view parses the request, calls one service function and renders a template."""
