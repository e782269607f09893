"""The customer-service chatbot framework's own package (CX log, review, widget, backend, CLI)."""
