"""Analysis of imported records: counts, shares, rates and how accusations spread over people,
in exact arithmetic, so that a published figure can be reproduced from the records."""
