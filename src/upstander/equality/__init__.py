"""Equality statistics: stage counts, disproportionality (relative rate index) and disclosure control.

The modules here are pure: they take counts and return frozen values. Reading the counts from the
database and publishing the results belong to the service and the web layers.

- ``stages``: the ordered stages of the misconduct process, each measured against the stage before it,
  and the age and length-of-service bands used to break the counts down.
- ``disproportionality``: rates, relative rate indices against a reference group, 95% confidence
  intervals (log method) and a reading in plain words.
- ``suppression``: small-number suppression, rounding and complementary (secondary) suppression for
  anything published.
"""
