"""Answered experiments: the measurements behind the model's design choices.

Each script prints the tables of ``docs/results.md``, where its findings are written up; run
it from the repository root as ``python -m experiments.<name> --help``. They read runs and
datasets and write under ``runs/`` (ignored by git); they are not tests.
"""
