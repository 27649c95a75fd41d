"""identity: accounts keyed by mobile number, sessions, scoped roles, personal data, security audit."""
