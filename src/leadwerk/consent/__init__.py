"""Consent as evidence: purposes and their versioned texts, the hash-chained consent ledger,
double opt-in, withdrawal, suppression, data subject rights and retention (issue 5)."""
