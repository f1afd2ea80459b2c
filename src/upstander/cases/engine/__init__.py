"""The misconduct process as a pure engine: a case's events in, a step decided, new events out."""
