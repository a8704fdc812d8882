"""Signed tokens: the key ring, clearances, tickets and the proof of work."""
