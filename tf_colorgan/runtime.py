"""Process-wide settings, made by the entry points (`apply`) before TensorFlow starts, never on import; then the
import of Keras (and so TensorFlow) without optional packages it would import for features the package does not use,
and a garbage collector that runs less often.

train.py, eval.py, the console scripts (`tf_colorgan.scripts`), `python -m tf_colorgan.study` / `.training` /
`.serving`, the benchmarks and the test suite's conftest call `apply()` first; a program of your own may too, before it
imports TensorFlow.

oneDNN on: `TF_ENABLE_ONEDNN_OPTS=1` unless the environment already sets the variable. TensorFlow enables its
oneDNN kernels by default only on CPUs with AVX-512 VNNI, AVX512-BF16 or AMX; elsewhere (an AVX2-only CPU) its
convolutions run through Eigen, and the float32 training step of the U-Net was measured 1.33x slower there (an
AVX2-only AMD EPYC: 10.1 s against 7.5 s per LSGAN iteration at batch 4, both with a second training process
beside them). TensorFlow reads the variable once, when it is imported: `apply()` before that, or set it yourself.

Large buffers kept: glibc's malloc serves every request above its mmap threshold (128 KiB, raised as such blocks
are freed, to at most 32 MiB) with a fresh mmap, which the kernel page-faults and zeroes on first touch and unmaps
on free. The generator's 1024 -> 512 transposed convolutions have 33.5 MB of float32 weights, so each buffer of
that size oneDNN takes (reordered weights, their gradient) was a new mmap on every call. On glibc the package calls
`mallopt(M_MMAP_MAX, 0)` (large blocks come from the heap and are reused) and `mallopt(M_TRIM_THRESHOLD, 1 GiB)`
(up to 1 GiB of freed heap is kept rather than returned to the system and faulted in again). Training iterations at
batch 4 were 1.07-1.13x faster (medians of alternated runs on an AVX512-BF16 AMD EPYC, 2 cores: a float32 GAN
iteration 1.23 s against 1.33, bfloat16 and oneDNN limited to AVX2 alike; about what tcmalloc, preloaded, gives)
for about 180 MiB more peak memory (`results/benchmark/avx512_zen5_malloc.md`). The environment opts out by setting
any of glibc's own malloc variables (`MALLOC_MMAP_MAX_=65536` restores its default), which glibc has then applied
itself; `MALLOC` records what was done (None until `apply`, or where nothing was set).

Keras imported without its extras: Keras 3.15 (which TensorFlow imports whole, `tf.keras` included) imports
scikit-learn for its scikit-learn wrappers, matplotlib for its image-gallery plots and IPython for its notebook
display whenever they are installed, and scikit-learn brings SciPy's statistics. The package uses none of them
through Keras (scikit-learn only for its 8x8 digits, matplotlib for its figures, both imported by the package where
needed), and they were 2.0 of the ~6.9 CPU-seconds that starting train.py takes on an AVX2-only AMD EPYC (4.9 s
against 6.9, three alternated runs each). So `apply()` imports Keras, and with it TensorFlow, with those three
hidden (`sys.modules[name] = None`, which Keras meets as an absent optional package), then unhides them: imported
later they load as usual, but Keras' scikit-learn wrappers and gallery plots stay unavailable in that process.

Fewer garbage collections: building TensorFlow graphs (tracing the training step, the export) allocates millions of
Python objects, and Python's cyclic collector runs every 700 net allocations, each young collection walking the new
objects and each full one the ~1 M objects TensorFlow and Keras leave after import. `apply()` ends with
`gc.freeze()` (what is imported so far is never examined again) and thresholds of `GC_THRESHOLDS` (a young
collection every 50,000 allocations): a width-8 two-step train.py run took 13.2 CPU-seconds against 14.1 (four
alternated runs each, `/usr/bin/time`; AVX2-only kind, 2026-12-04). The price: reference cycles made afterwards
are found later (young ones after up to 50,000 allocations, not 700; older ones after 20 times as many collections
of the generation below, not 10), so they hold their memory longer; objects outside cycles (TensorFlow's tensors
among them) are freed by reference counting at once, as before, and the frozen imports stay for the process's
life, as they would anyway.
"""

import ctypes
import gc
import os
import platform
import sys

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4  # mallopt's parameter numbers (glibc's malloc.h)
KEPT_FREE_BYTES = 1 << 30
GLIBC_MALLOC_VARIABLES = ("MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                          "MALLOC_ARENA_MAX", "GLIBC_TUNABLES")


def turn_onednn_on():
    """Sets `TF_ENABLE_ONEDNN_OPTS=1` unless the environment sets it (see the module docstring)."""
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")


def keep_large_buffers():
    """Makes glibc's malloc keep large freed blocks for reuse (see the module docstring).

    Returns {mallopt parameter name: value} as set, or None where nothing was set: not glibc, or the environment
    sets one of `GLIBC_MALLOC_VARIABLES`.
    """
    if platform.libc_ver()[0] != "glibc" or any(name in os.environ for name in GLIBC_MALLOC_VARIABLES):
        return None
    mallopt = ctypes.CDLL("libc.so.6").mallopt
    settings = {"M_MMAP_MAX": (M_MMAP_MAX, 0), "M_TRIM_THRESHOLD": (M_TRIM_THRESHOLD, KEPT_FREE_BYTES)}
    return {name: value for name, (parameter, value) in settings.items() if mallopt(parameter, value) == 1}


KERAS_EXTRAS = ("sklearn", "matplotlib", "IPython")  # optional packages Keras imports if installed


def import_keras_without_extras():
    """Imports Keras (and TensorFlow) with `KERAS_EXTRAS` hidden from it, unless it is imported already; the
    extras imported by then stay as they are (see the module docstring)."""
    if "keras" in sys.modules:
        return
    hidden = [name for name in KERAS_EXTRAS if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))
    try:
        import keras  # noqa: F401
    finally:
        for name in hidden:
            del sys.modules[name]


GC_THRESHOLDS = (50_000, 20, 20)  # gc.set_threshold's: Python's defaults are (700, 10, 10)


def collect_less():
    """Freezes the objects that exist (imports done) and raises the collector's thresholds (see the docstring)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


MALLOC = None


def apply():
    """Makes the settings (oneDNN on, large buffers kept) and records the malloc ones in `MALLOC`, imports Keras,
    and so TensorFlow, without its extras, then collects garbage less often. Call it once, first thing, from a
    program's entry point."""
    global MALLOC
    turn_onednn_on()
    MALLOC = keep_large_buffers()
    import_keras_without_extras()
    collect_less()
