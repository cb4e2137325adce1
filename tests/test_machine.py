"""tf_colorgan.machine (what this machine is, --precision=auto) and the settings that depend on it."""

import json
import os
import pathlib
import platform
import subprocess
import sys

import pytest

from tf_colorgan import machine, runtime
from tf_colorgan.config import ConfigError, make_config
from tf_colorgan.training import rundir, trainer

AVX2_ONLY = {"sse4_2", "avx", "avx2", "fma"}  # the flags of the AVX2-only AMD EPYC met here
AVX512_BF16 = AVX2_ONLY | {"avx512f", "avx512bw", "avx512_vnni", "avx512_bf16"}

CONVOLVE = ("from tf_colorgan import runtime; runtime.apply(); import tensorflow as tf; "
            "tf.nn.conv2d(tf.ones([1, 8, 8, 4], tf.{dtype}), tf.ones([3, 3, 4, 4], tf.{dtype}), 1, 'SAME')")


@pytest.mark.parametrize("flags, isa_limit, expected", [
    (AVX2_ONLY, "", False),  # no bfloat16 instructions
    (AVX512_BF16, "", True),
    (AVX512_BF16, "AVX2", False),  # oneDNN limited below them: the AVX2 kind on the larger machine
    (AVX512_BF16, "avx512_core", False),
    (AVX512_BF16, "AVX512_CORE_BF16", True),
    (AVX512_BF16, "ALL", True),
    (AVX2_ONLY | {"amx_bf16", "amx_tile"}, "AVX512_CORE_AMX", True),
])
def test_native_bf16_needs_the_instructions_and_onednn_allowed_to_use_them(flags, isa_limit, expected):
    assert machine.native_bf16(flags, isa_limit) is expected


@pytest.mark.parametrize("flags, isa_limit, onednn, refused", [
    (AVX512_BF16, "AVX2", True, True),  # TensorFlow hands bfloat16 to a oneDNN that has none
    (AVX512_BF16, "sse41", True, True),
    (AVX512_BF16, "AVX2_VNNI_2", True, True),
    (AVX512_BF16, "AVX512_CORE", True, False),  # oneDNN emulates bfloat16 there
    (AVX512_BF16, "", True, False),
    (AVX512_BF16, "AVX2", False, False),  # oneDNN off: Eigen's bfloat16 convolutions
    (AVX2_ONLY, "AVX2", True, False),  # no native bfloat16: Eigen's, whatever the limit
])
def test_bfloat16_is_refused_where_onednn_is_limited_below_it_on_a_bfloat16_cpu(flags, isa_limit, onednn, refused):
    refusal = machine.bfloat16_refusal(flags, isa_limit, onednn)
    assert (refusal is not None) is refused
    assert refusal is None or f"ONEDNN_MAX_CPU_ISA={isa_limit}" in refusal


@pytest.mark.slow
def test_a_bfloat16_convolution_under_an_avx2_onednn_fails_exactly_where_it_is_refused():
    # Real TensorFlow on this CPU: on one with native bfloat16 the convolution fails in oneDNN, on an AVX2-only
    # one it runs through Eigen. Either way `bfloat16_refusal` must say which.
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "TF_ENABLE_ONEDNN_OPTS": "1"}
    code = CONVOLVE.format(dtype="bfloat16")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    refused = machine.bfloat16_refusal(isa_limit="AVX2", onednn=True) is not None
    assert (result.returncode != 0) is refused, result.stderr[-2000:]
    assert not refused or "could not create a primitive descriptor" in result.stderr


def test_training_in_bfloat16_is_refused_before_anything_is_written_where_it_cannot_run(monkeypatch, tmp_path):
    monkeypatch.setattr(machine, "cpu_flags", lambda: AVX512_BF16)  # a CPU with native bfloat16, on any machine
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    config = make_config(gan="lsgan", width=8, steps=1, precision="mixed_bfloat16", run_dir=str(tmp_path / "run"))
    with pytest.raises(ConfigError, match="cannot run with ONEDNN_MAX_CPU_ISA=AVX2 on this CPU"):
        trainer.run(config)
    assert not (tmp_path / "run").exists()


def test_auto_precision_on_this_cpu_is_bfloat16_exactly_where_it_is_native():
    assert machine.fastest_precision() == ("mixed_bfloat16" if machine.native_bf16() else "float32")
    config = make_config(precision="auto")
    assert config.precision == machine.fastest_precision()


def test_auto_precision_follows_the_onednn_isa_limit_and_bfloat16_is_warned_about_there(monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    assert machine.fastest_precision() == "float32"  # no GPU on the test machines
    assert "10-13x slower" in machine.precision_warning("mixed_bfloat16")
    assert machine.precision_warning("float32") is None


def test_describe_records_the_cpu_kind():
    described = machine.describe()
    assert set(described) >= {"cpu", "isa", "cores", "native_bf16", "gpus", "tensorflow", "onednn", "malloc"}
    assert described["malloc"] == runtime.MALLOC
    assert set(described["isa"]) == set(machine.ISA_FLAGS) & machine.cpu_flags() and described["cores"] >= 1
    assert described["native_bf16"] == machine.native_bf16()
    # /proc/cpuinfo's "cpu family" and "model" numbers, not the "model name" line that also starts with "model"
    assert all(number.isdigit() for number in described["cpu_family_model"]), described["cpu_family_model"]


def test_the_source_commit_is_the_checkouts_head_marked_dirty_after_a_change_to_the_package(tmp_path):
    # a copy of the package in a git repository of its own, beside a tracked results file, so that the test can
    # change tracked files: a changed result (as a study writes into its checkout) leaves the commit clean
    package = pathlib.Path(machine.__file__).parent
    subprocess.run(["cp", "-r", str(package), str(tmp_path / "tf_colorgan")], check=True)
    (tmp_path / "metrics.json").write_text("{}")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    for command in (["init", "-q"], ["add", "tf_colorgan", "metrics.json"], ["commit", "-qm", "copy"]):
        subprocess.run(git + command, check=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    ask = [sys.executable, "-c", "from tf_colorgan import machine; print(machine.source_commit())"]

    def source_commit_after_writing(path, text):
        path.write_text(text)
        return subprocess.run(ask, cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()

    results_changed = source_commit_after_writing(tmp_path / "metrics.json", '{"ab_l1": 12.5}')
    machine_py = (package / "machine.py").read_text() + "\n"
    package_changed = source_commit_after_writing(tmp_path / "tf_colorgan" / "machine.py", machine_py)
    assert (results_changed, package_changed) == (head, head + "+dirty") and len(head) == 40


def test_a_run_may_resume_in_another_precision_but_not_with_other_settings(tmp_path):
    first = make_config(gan="lsgan", run_dir=str(tmp_path), precision="mixed_bfloat16")
    (tmp_path / "config.json").write_text(first.to_json())
    rundir.check_settings(make_config(gan="lsgan", run_dir=str(tmp_path), precision="float32"), tmp_path)
    # how often it scores held-out photos and saves may change too (a run continued past its budget)
    rundir.check_settings(make_config(gan="lsgan", run_dir=str(tmp_path), save_every=7), tmp_path)
    with pytest.raises(ConfigError, match=r"other settings: l1=1.0 \(run: 100.0\)"):
        rundir.check_settings(make_config(gan="lsgan", l1=1.0, run_dir=str(tmp_path)), tmp_path)


def test_a_seed_other_than_0_names_its_own_run():
    assert make_config(gan="lsgan").run_name == "sample_lsgan_l1-100_l2-0"
    assert make_config(gan="lsgan", seed=3).run_name == "sample_lsgan_l1-100_l2-0_seed3"


@pytest.mark.parametrize("given", [{"heldout_every": 10}, {"heldout_every": -1, "heldout": "photos"},
                                   {"heldout_every": 5, "heldout": "photos", "task": "generate",
                                    "experiment": "mlp_gan_mnist"}])
def test_heldout_scores_need_a_colorization_run_and_a_folder(given):
    with pytest.raises(ConfigError, match="heldout_every"):
        make_config(**given)


@pytest.mark.slow
@pytest.mark.parametrize("setting, onednn_convolution", [(None, True), ("0", False)])
def test_the_entry_points_turn_onednn_on_unless_the_environment_says_otherwise(setting, onednn_convolution):
    # oneDNN's verbose log names each primitive it runs: a convolution primitive when TensorFlow's oneDNN kernels
    # are on; with them off (Eigen's convolution) at most the gemm calls Eigen makes. Both on every CPU kind.
    env = {key: value for key, value in os.environ.items() if key != "TF_ENABLE_ONEDNN_OPTS"}
    env.update({"ONEDNN_VERBOSE": "1", **({"TF_ENABLE_ONEDNN_OPTS": setting} if setting else {})})
    code = CONVOLVE.format(dtype="float32")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert (",exec,cpu,convolution," in result.stdout) == onednn_convolution, result.stdout[-2000:]


MALLOC_64_MIB = """
import ctypes, json
from tf_colorgan import runtime
runtime.apply()
class MallInfo2(ctypes.Structure):  # glibc's struct mallinfo2: byte counts of the heap and of mmapped blocks
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                      "fsmblks", "uordblks", "fordblks", "keepcost")]
libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype, libc.malloc.restype = MallInfo2, ctypes.c_void_p
mmapped = libc.mallinfo2().hblkhd
block = libc.malloc(64 << 20)
mmapped = libc.mallinfo2().hblkhd - mmapped
libc.free(ctypes.c_void_p(block))
print(json.dumps({"mmapped": mmapped, "heap_after_free": libc.mallinfo2().arena,
                  "settings": runtime.MALLOC}))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the allocator setting is glibc's mallopt")
@pytest.mark.parametrize("environment, tuned", [({}, True), ({"MALLOC_MMAP_MAX_": "65536"}, False),
                                                ({"GLIBC_TUNABLES": "glibc.malloc.check=0"}, False)])
def test_the_entry_points_make_malloc_keep_large_blocks_unless_the_environment_tunes_it(environment, tuned):
    # A 64 MiB block is above glibc's largest mmap threshold (32 MiB): by default a fresh mmap, returned to the
    # system on free. Tuned, it comes from the heap, and the heap keeps it after the free (trim threshold 1 GiB).
    env = {key: value for key, value in os.environ.items()
           if key not in runtime.GLIBC_MALLOC_VARIABLES} | environment
    result = json.loads(subprocess.run([sys.executable, "-c", MALLOC_64_MIB], env=env, capture_output=True,
                                       text=True, check=True).stdout)
    if tuned:
        assert result["settings"] == {"M_MMAP_MAX": 0, "M_TRIM_THRESHOLD": 1 << 30}
        assert result["mmapped"] == 0 and result["heap_after_free"] >= 64 << 20
    else:
        assert result["settings"] is None and result["mmapped"] >= 64 << 20


KERAS_EXTRAS = """
import json, sys
from tf_colorgan import runtime
runtime.apply()
imported = sorted(name for name in ("keras", "tensorflow", *runtime.KERAS_EXTRAS) if name in sys.modules)
import keras.wrappers, sklearn.datasets, matplotlib.pyplot
try:
    keras.wrappers.SKLearnClassifier(model=None)
    refusal = None
except ImportError as error:
    refusal = str(error)
print(json.dumps({"imported": imported, "digits": list(sklearn.datasets.load_digits().images.shape),
                  "figure": type(matplotlib.pyplot.figure()).__name__, "wrapper": refusal}))
"""


def test_the_entry_points_import_keras_without_its_extras_which_then_import_as_usual():
    result = json.loads(subprocess.run([sys.executable, "-c", KERAS_EXTRAS], capture_output=True, text=True,
                                       check=True).stdout)
    assert result["imported"] == ["keras", "tensorflow"]  # scikit-learn, matplotlib, IPython: not by Keras
    assert result["digits"] == [1797, 8, 8] and result["figure"] == "Figure"  # imported afterwards, as usual
    assert "requires `scikit-learn`" in result["wrapper"]  # the price, said in the module docstring


def test_importing_the_package_changes_nothing_in_the_process():
    """A server or a notebook that imports tf_colorgan keeps its own settings: only the entry points apply them."""
    env = {key: value for key, value in os.environ.items() if key != "TF_ENABLE_ONEDNN_OPTS"}
    code = ("import gc, os, tf_colorgan, tf_colorgan.config, tf_colorgan.training.trainer; "
            "from tf_colorgan import runtime; "
            "print(os.environ.get('TF_ENABLE_ONEDNN_OPTS'), runtime.MALLOC, gc.get_threshold()[0], "
            "gc.get_freeze_count())")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["None", "None", "700", "0"]  # Python's own collector settings too


def test_the_entry_points_collect_garbage_less_often_and_still_free_cycles():
    code = ("import gc, json; from tf_colorgan import runtime; runtime.apply(); "
            "frozen, thresholds = gc.get_freeze_count(), gc.get_threshold(); "
            "cycle = []; cycle.append(cycle); del cycle; "  # unreachable, freed only by the collector
            "print(json.dumps({'frozen': frozen, 'thresholds': thresholds, 'freed': gc.collect()}))")
    result = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    assert tuple(result["thresholds"]) == runtime.GC_THRESHOLDS
    assert result["frozen"] > 100_000  # TensorFlow's and Keras' objects, never examined again
    assert result["freed"] >= 1  # the collector still runs: the cycle made after the freeze is found
