"""Spam and abuse defence: honeypot, minimum fill time, rate limits across processes,
disposable addresses, a challenge hook."""
