"""Batch scoring of archives with a bundle: one process, or Ray Data past one machine."""
