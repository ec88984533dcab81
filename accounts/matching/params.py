"""Parameters of the pair model (``accounts.matching.model``), written by
``python -m accounts.matching.estimate``: m from the labelled set, u from random pairs of
its records, thresholds where precision on the labelled set stays at its target."""

# fmt: off
BASE = -2.5886
M = {'registration': {'equal': 0.11359, 'differ': 0.01988, 'missing': 0.86653},
 'domain': {'equal': 0.27645,
            'label': 0.24605,
            'label_name': 0.12931,
            'differ': 0.04175,
            'missing': 0.30645},
 'name': {'equal': 0.57658,
          'equal_typo': 0.08063,
          'acronym': 0.02026,
          'subset': 0.21191,
          'overlap': 0.0782,
          'none': 0.03241}}
U = {'registration': {'equal': 7e-05, 'differ': 0.03773, 'missing': 0.96221},
 'domain': {'equal': 0.00013,
            'label': 0.00054,
            'label_name': 0.01545,
            'differ': 0.16492,
            'missing': 0.81895},
 'name': {'equal': 0.00331,
          'equal_typo': 0.00094,
          'acronym': 0.00094,
          'subset': 0.02092,
          'overlap': 0.85304,
          'none': 0.12085}}
GROUP_THRESHOLD = 10.5
# estimated on {True: 2462, False: 14814} candidate pairs (True: one group)
# fmt: on
# Fixed by design, not estimated: see model.py.
GROUP_ALLOWANCE = 30
TF_REFERENCE = 1e-4
TF_MIN = -10.0
TF_MAX = 8.0
EXTRA_WORD_PENALTY = 0.5
NUMBERS_DIFFER = -6.0
