"""The chat kernel: our own message and event types, command parsing, and the dispatcher
that features plug their routes and card verbs into (docs/architecture.md). It imports no
feature."""
