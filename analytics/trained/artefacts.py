"""A trained model's fitted arrays: one compressed ``.npz`` file in the model-artefact storage.

Arrays only, never pickles: saving refuses object arrays (numpy would pickle them) and loading
passes ``allow_pickle=False``, so a stored file cannot run code when it is read. What describes the
arrays (vocabularies, estimator kind and parameters) is JSON on the model row.
"""

from __future__ import annotations

import io

import numpy as np
from django.core.files.base import ContentFile

from analytics.trained.models import TrainedModel


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """``arrays`` as compressed ``.npz`` bytes; ValueError for an array numpy would have to pickle."""
    pickled = sorted(name for name, array in arrays.items() if np.asarray(array).dtype.hasobject)
    if pickled:
        raise ValueError(f"Object arrays would be pickled: {', '.join(pickled)}. Store numbers or strings "
                         "as arrays and the rest as JSON metadata.")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def arrays_from_npz(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of ``.npz`` bytes; ValueError when one of them is pickled."""
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def save_artefact(model: TrainedModel, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` to the artefact storage and point ``model.artefact`` at the file (row not saved)."""
    model.artefact.save("artefact.npz", ContentFile(npz_bytes(arrays)), save=False)


def load_artefact(model: TrainedModel) -> dict[str, np.ndarray]:
    """The arrays stored for ``model`` (``{}`` before training stored any)."""
    if not model.artefact:
        return {}
    with model.artefact.open("rb") as handle:
        return arrays_from_npz(handle.read())
