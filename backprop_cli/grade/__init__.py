"""Grading: references, the answer policy, grading and diagnosis, validation, a class in batch."""
