"""The append-only audit log written by every state-changing service."""
