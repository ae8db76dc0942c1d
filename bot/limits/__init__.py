"""Reusable limits on how often something may happen (sign-ins, messages, uploads)."""
