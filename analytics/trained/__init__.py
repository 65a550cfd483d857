"""Trained models: one lifecycle for every model a brand trains (personas, recommenders).

* ``models``: ``TrainedModel``, the abstract row of one training run (version, status, activation,
  window, metrics, artefact), and ``TrainingStatus``;
* ``artefacts``: the fitted arrays as one ``.npz`` file (no pickles) in the storage named by
  ``settings.MODEL_ARTEFACT_STORAGE``; JSON metadata stays on the row;
* ``services``: next version, start training (row + job + task), begin, fail, finish, activate.
"""
