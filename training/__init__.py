"""Training, evaluation and prediction for AI-or-human image classifiers."""

import os

# TensorFlow's C++ start-up chatter (CUDA probing on CPU machines) buries our own output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
