"""Escrow: a report held sealed until someone else names the same person (OPRF match tokens, threshold shares)."""
