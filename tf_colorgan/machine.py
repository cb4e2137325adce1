"""What machine this is, for every recorded number, and the precision that is fastest on it.

`describe()` gives the CPU model name and its family and model numbers (two AVX512-BF16 CPUs met here, both named
"AMD EPYC", differ 2x in float32 convolution peak), its ISA flags that decide convolution speed (AVX2, FMA,
AVX-512, AVX512-BF16, AMX), the core count, the GPUs, TensorFlow's version, the oneDNN settings and the
allocator's (`tf_colorgan.runtime.MALLOC`, and any `LD_PRELOAD`), and the package's git commit (`source_commit`).
`fastest_precision()` resolves `--precision=auto`: mixed_float16 on a GPU with tensor cores (compute capability 7.0
or higher), mixed_bfloat16 on a CPU whose oneDNN may use native bfloat16 (AVX512-BF16 or AMX, and
`ONEDNN_MAX_CPU_ISA` not below them), float32 otherwise. On a CPU without native bfloat16 a mixed_bfloat16 training
step was measured 10-13x slower than float32 (an AVX2-only AMD EPYC, TensorFlow 2.21); with it, 1.6-1.8x faster (an
AVX512-BF16 AMD EPYC). The cause is inside TensorFlow: its oneDNN kernels take bfloat16 only on CPUs that have it,
so elsewhere bfloat16 convolutions fall back to Eigen's, which are not vectorised for bfloat16 (oneDNN's verbose
log of such a step shows no bfloat16 primitive, only float32 ones); the package cannot route around it, so `auto`
avoids it.
"""

import os
import pathlib
import platform
import subprocess

from tf_colorgan import runtime

ISA_FLAGS = ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
NATIVE_BF16 = ("avx512_bf16", "amx_bf16")
BF16_ISA_LIMITS = ("ALL", "DEFAULT", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX", "AVX10")
AVX512_ISA_LIMITS = ("ALL", "DEFAULT", "AVX512", "AVX10")  # oneDNN levels with (native or emulated) bfloat16


def cpuinfo(key):
    """The value of the first `key` line of /proc/cpuinfo ("flags", "model name"), None where there is none."""
    path = pathlib.Path("/proc/cpuinfo")
    lines = path.read_text().splitlines() if path.exists() else []
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(key)), None)


def cpu_flags():
    """The CPU's feature flags (the `flags` line of /proc/cpuinfo), an empty set where there is none."""
    return set((cpuinfo("flags") or "").split())


def native_bf16(flags=None, isa_limit=None):
    """Whether oneDNN may run bfloat16 natively here: an AVX512-BF16 or AMX CPU, and `ONEDNN_MAX_CPU_ISA`
    (`isa_limit`, default the environment's) unset or at a level that includes them."""
    flags = cpu_flags() if flags is None else flags
    isa_limit = os.environ.get("ONEDNN_MAX_CPU_ISA", "") if isa_limit is None else isa_limit
    allowed = not isa_limit or isa_limit.upper().startswith(BF16_ISA_LIMITS)
    return allowed and any(flag in flags for flag in NATIVE_BF16)


def gpus():
    """[(name, compute capability (major, minor) or None)] of the visible GPUs."""
    import tensorflow as tf

    details = [tf.config.experimental.get_device_details(gpu) for gpu in tf.config.list_physical_devices("GPU")]
    return [(detail.get("device_name", "GPU"), detail.get("compute_capability")) for detail in details]


def fastest_precision():
    """The `--precision=auto` choice for this machine (see the module docstring)."""
    if any(capability and capability >= (7, 0) for _, capability in gpus()):
        return "mixed_float16"
    return "mixed_bfloat16" if native_bf16() else "float32"


def bfloat16_refusal(flags=None, isa_limit=None, onednn=None):
    """Why bfloat16 convolutions and BatchNorm fail here, else None.

    TensorFlow hands bfloat16 convolutions (and fused BatchNorm) to oneDNN on a CPU with native bfloat16
    (AVX512-BF16 or AMX); with `ONEDNN_MAX_CPU_ISA` (`isa_limit`) below AVX-512, oneDNN has no bfloat16 kernels
    and the first one fails ("could not create a primitive descriptor"). Measured on an AVX512-BF16 AMD EPYC,
    TensorFlow 2.21: SSE41, AVX, AVX2, AVX2_VNNI and AVX2_VNNI_2 fail; AVX512_CORE runs (emulated); with
    `TF_ENABLE_ONEDNN_OPTS=0` (`onednn` false) Eigen runs them. On a CPU without native bfloat16 they run
    through Eigen whatever the limit.
    """
    flags = cpu_flags() if flags is None else flags
    isa_limit = os.environ.get("ONEDNN_MAX_CPU_ISA", "") if isa_limit is None else isa_limit
    if onednn is None:
        onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1").lower() not in ("0", "false")
    if not (onednn and isa_limit and any(flag in flags for flag in NATIVE_BF16)):
        return None
    if isa_limit.upper().startswith(AVX512_ISA_LIMITS):
        return None
    return (f"bfloat16 cannot run with ONEDNN_MAX_CPU_ISA={isa_limit} on this CPU: it has native bfloat16, so "
            "TensorFlow hands bfloat16 convolutions to oneDNN, which has none below AVX-512 and fails at the "
            "first. Use --precision=float32 (or auto), or set ONEDNN_MAX_CPU_ISA to AVX512_CORE or above, or "
            "unset it.")


def precision_refusal(precision):
    """Why `precision` cannot run here (`bfloat16_refusal`, for mixed_bfloat16 on a CPU-only machine), else
    None."""
    if precision != "mixed_bfloat16" or gpus():
        return None
    return bfloat16_refusal()


def precision_warning(precision):
    """A warning for a precision that is slow here (mixed_bfloat16 on a CPU-only machine without native
    bfloat16), else None."""
    if precision != "mixed_bfloat16" or native_bf16() or gpus():
        return None
    return ("--precision=mixed_bfloat16 on a CPU without native bfloat16 (no AVX512-BF16 or AMX, or "
            "ONEDNN_MAX_CPU_ISA below them): a training step was measured 10-13x slower than in float32 on such a "
            "CPU (an AVX2-only AMD EPYC: TensorFlow runs its bfloat16 convolutions through Eigen's scalar code "
            "there); --precision=auto chooses float32 here.")


def describe():
    """A JSON-serialisable description of this machine, recorded beside every measurement."""
    import tensorflow as tf

    flags = cpu_flags()
    return {"cpu": cpuinfo("model name") or platform.processor(),
            "cpu_family_model": [cpuinfo("cpu family"), cpuinfo("model\t")],
            "isa": [flag for flag in ISA_FLAGS if flag in flags], "cores": os.cpu_count(),
            "native_bf16": native_bf16(flags), "gpus": [name for name, _ in gpus()],
            "tensorflow": tf.__version__, "python": platform.python_version(),
            "onednn": {name: os.environ.get(name) for name in ("TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA")},
            "malloc": runtime.MALLOC, "ld_preload": os.environ.get("LD_PRELOAD"), "commit": source_commit()}


def source_commit():
    """The git commit of the checkout this package runs from, with "+dirty" if the package's tracked files
    changed since (other files, such as the results a study writes into its checkout, do not count); None for an
    installed copy outside git."""
    package = str(pathlib.Path(__file__).resolve().parent)
    try:
        head, status = (subprocess.run(["git", "-C", package, *command], capture_output=True, text=True, check=True)
                        .stdout.strip() for command in (["rev-parse", "HEAD"],
                                                        ["status", "--porcelain", "--untracked-files=no", "--",
                                                         package]))
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if status else "")
