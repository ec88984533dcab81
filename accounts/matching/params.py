"""Parameters of the pair model (``accounts.matching.model``), written by
``python -m accounts.matching.estimate``: m from the labelled set, u from random pairs of
its records, thresholds where precision on the labelled set stays at its target."""

# fmt: off
BASE = -1.0923
M = {'registration': {'equal': 0.07869, 'differ': 0.02966, 'missing': 0.89165},
 'domain': {'equal': 0.34341,
            'label': 0.36699,
            'label_name': 0.00423,
            'differ': 0.18501,
            'missing': 0.10036},
 'name': {'equal': 0.46949,
          'equal_typo': 0.01329,
          'acronym': 0.03867,
          'subset': 0.33474,
          'overlap': 0.10453,
          'none': 0.03927}}
U = {'registration': {'equal': 0.00028, 'differ': 0.1358, 'missing': 0.86392},
 'domain': {'equal': 0.00057,
            'label': 0.00227,
            'label_name': 0.00738,
            'differ': 0.69761,
            'missing': 0.29216},
 'name': {'equal': 0.0017,
          'equal_typo': 0.00057,
          'acronym': 0.00341,
          'subset': 0.05932,
          'overlap': 0.78115,
          'none': 0.15385}}
GROUP_THRESHOLD = 5.75
# estimated on {True: 1649, False: 3517} candidate pairs (True: one group)
# fmt: on
# Fixed by design, not estimated: see model.py.
GROUP_ALLOWANCE = 1
# A small tenant's word counts are read as a sample of a tenant of this size.
MIN_N = 20_000
TF_REFERENCE = 1e-4
TF_MIN = -10.0
TF_MAX = 8.0
EXTRA_WORD_PENALTY = 0.5
NUMBERS_DIFFER = -6.0
