"""Staff users, roles, sign-in with TOTP, revocable sessions and user key pairs."""
