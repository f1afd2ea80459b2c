"""The tamper-evident audit log: a hash chain of every write and every read of case content."""
