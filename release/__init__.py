"""Release steps: the commands that make the held-out figures a bundle's card records.

Run from the repository root, each with ``--help``:

- ``python -m release.baseline_logreg``: the frozen-feature logistic-regression baseline
  (5-fold CV and leave-one-source-out), and the feature cache the next step scores.
- ``python -m release.leave_sources_out``: the training recipe cross-validated over whole
  groups of sources, each group scored by a model that never saw it.
- ``python -m release.card_evaluation``: gathers those reports into the JSON that
  ``aiorhuman-convert --evaluation`` (or ``--annotate``) records in card.json and
  MODEL_CARD.md.
"""
