"""EDGE: HTTP surfaces other than the Bot Framework endpoint (the HR onboarding API):
authentication, parsing and status codes. The services they call live in the core."""
