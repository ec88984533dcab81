"""Parameters of the pair model (``accounts.matching.model``), written by
``python -m accounts.matching.estimate``: m from the labelled set, u from random pairs of
its records, thresholds where precision on the labelled set stays at its target."""

# fmt: off
BASE = -3.6597
M = {'registration': {'equal': 0.15408, 'differ': 0.00101, 'missing': 0.84491},
 'domain': {'equal': 0.1196,
            'label': 0.00302,
            'label_name': 0.10955,
            'differ': 0.00101,
            'missing': 0.76683},
 'name': {'equal': 0.71386,
          'equal_typo': 0.18775,
          'acronym': 0.00904,
          'subset': 0.06024,
          'overlap': 0.02811,
          'none': 0.001}}
U = {'registration': {'equal': 8e-05, 'differ': 0.01469, 'missing': 0.98523},
 'domain': {'equal': 8e-05,
            'label': 8e-05,
            'label_name': 8e-05,
            'differ': 0.03879,
            'missing': 0.96097},
 'name': {'equal': 0.00335,
          'equal_typo': 0.00104,
          'acronym': 8e-05,
          'subset': 0.00024,
          'overlap': 0.88403,
          'none': 0.11126}}
GROUP_THRESHOLD = 7.0
# estimated on {True: 990, False: 12523} candidate pairs (True: one group)
# fmt: on
# Fixed by design, not estimated: see model.py.
GROUP_ALLOWANCE = 10
TF_REFERENCE = 1e-4
TF_MIN = -10.0
TF_MAX = 8.0
EXTRA_WORD_PENALTY = 0.5
NUMBERS_DIFFER = -6.0
