"""What the kernel experiments of this folder share: the dated machine line they print first, and a timer."""

import datetime
import time

from tf_colorgan import machine


def header(script):
    """'DATE, `python results/benchmark/SCRIPT`: CPU (ISA flags), N cores, TensorFlow X' and a blank line."""
    info = machine.describe()
    return (f"{datetime.date.today()}, `python results/benchmark/{script}`: {info['cpu']} "
            f"({' '.join(info['isa'])}), {info['cores']} cores, TensorFlow {info['tensorflow']}\n")


def seconds_per_call(function, repeats=5):
    """Mean wall seconds of `function()` over `repeats` calls, after one untimed call (tracing, allocation)."""
    function()
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - start) / repeats
