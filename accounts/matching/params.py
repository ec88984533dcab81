"""Parameters of the pair model (``accounts.matching.model``), written by
``python -m accounts.matching.estimate``: m from the labelled set, u from random pairs of
its records, thresholds where precision on the labelled set stays at its target."""

# fmt: off
BASE = -0.8567
M = {'registration': {'equal': 0.07869, 'differ': 0.02966, 'missing': 0.89165},
 'domain': {'equal': 0.3432,
            'label': 0.36677,
            'label_name': 0.00423,
            'related': 0.13474,
            'differ': 0.05076,
            'missing': 0.1003},
 'name': {'equal': 0.46949,
          'equal_typo': 0.01329,
          'acronym': 0.03867,
          'subset': 0.33474,
          'overlap': 0.10453,
          'none': 0.03927}}
U = {'registration': {'equal': 0.00033, 'differ': 0.15117, 'missing': 0.84849},
 'domain': {'equal': 0.00067,
            'label': 0.00267,
            'label_name': 0.00869,
            'related': 0.2018,
            'differ': 0.48146,
            'missing': 0.30471},
 'name': {'equal': 0.002,
          'equal_typo': 0.00067,
          'acronym': 0.00033,
          'subset': 0.06983,
          'overlap': 0.91747,
          'none': 0.00969}}
GROUP_THRESHOLD = 4.0
# estimated on {True: 1649, False: 2987} candidate pairs (True: one group)
# fmt: on
# Fixed by design, not estimated: see model.py.
GROUP_ALLOWANCE = 1
# A small tenant's word counts are read as a sample of a tenant of this size.
MIN_N = 20_000
# Two clusters join when this share of the smaller one's records link into the other.
SUPPORT = 0.5
TF_REFERENCE = 1e-4
TF_MIN = -10.0
TF_MAX = 8.0
EXTRA_WORD_PENALTY = 0.5
NUMBERS_DIFFER = -6.0
